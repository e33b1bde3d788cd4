package redact

import "testing"

func TestMasks(t *testing.T) {
	cases := []struct{ got, want string }{
		{ID("150422198803151234"), "1504**********1234"},
		{Phone("13812345678"), "138****5678"},
		{Name("包玉山"), "包*山"},
		{Name("包山"), "包*"},
		{Name("欧阳玉山"), "欧**山"},
		{Secret("x"), "******"},
		{Secret(""), "(未设置)"},
		// Free text: IDs and mobiles anywhere, also next to letters, underscores and +86.
		{Text("户主身份证150422198803151234，电话13812345678"), "户主身份证1504**********1234，电话138****5678"},
		{Text("户主_150422198803151234_13812345678.xlsx"), "户主_1504**********1234_138****5678.xlsx"},
		{Text("+8613812345678"), "+86138****5678"},
		{Text("金额12345元，编号2026001"), "金额12345元，编号2026001"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}
