package bot

import (
	"strings"
	"testing"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/calc/ledger"
)

// An entity's award corrected is named as the ledger names it (it is no person), but a household
// head's name inside it is masked as anywhere in a group reply; a household is 包*山户.
func TestCorrectionTextNamesEntitiesMaskingPeople(t *testing.T) {
	led := &ledger.Ledger{Inputs: calc.Inputs{
		Households: []calc.Household{{ID: "HQ001", Head: "包玉山"}},
		Employers:  []calc.Employer{{Name: "包玉山养殖场"}, {Name: "红旗村肉牛养殖合作社"}},
	}}
	lowered := []store.PaymentChange{
		{Subject: "包玉山养殖场", Rule: "absorption", From: calc.Yuan(9630), To: calc.Yuan(5000)},
		{Subject: "红旗村肉牛养殖合作社", Rule: "absorption", From: calc.Yuan(6000), To: calc.Yuan(600)},
		{Subject: "HQ001", Rule: "calf_sale", From: calc.Yuan(6000), To: calc.Yuan(600)},
	}
	got := correctionText(lowered, led, &calc.Result{})
	for _, want := range []string{"已发放更正：3项", "包*山养殖场吸纳就业奖补 9630元→5000元", "红旗村肉牛养殖合作社吸纳就业奖补 6000元→600元", "包*山户出售犊牛奖补 6000元→600元"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "包玉山") {
		t.Errorf("a head's name in full:\n%s", got)
	}
}
