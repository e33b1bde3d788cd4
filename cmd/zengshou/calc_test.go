package main

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// A mistyped path is told in Chinese, naming the file: it was “台账处理失败：stat workbook: stat
// x.xlsx: no such file or directory”, and for a missing output folder the name of a temporary
// file the admin never chose (“open /no/dir/.zengshou-306243094.xlsx”).
func TestCalcMissingPaths(t *testing.T) {
	t.Setenv("ZENGSHOU_CONFIG", "")
	dir := t.TempDir()
	in := filepath.Join(dir, "台账.xlsx")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(dir, "没有.xlsx"), "-o", filepath.Join(dir, "out.xlsx")}, "找不到台账文件 " + filepath.Join(dir, "没有.xlsx")},
		{[]string{dir, "-o", filepath.Join(dir, "out.xlsx")}, "是一个目录，不是台账文件"},
	} {
		err := runCalc(io.Discard, io.Discard, tc.args)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, tc.want) {
			t.Errorf("calc %q: %v, want exit 1 with %q", tc.args, err, tc.want)
		}
	}
	// a real ledger, an output folder that does not exist
	if err := runGen(io.Discard, io.Discard, []string{"--households", "3", "--seed", "1", "-o", in}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "没有的目录", "out.xlsx")
	err := runCalc(io.Discard, io.Discard, []string{in, "-o", out})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "结果文件的目录不存在："+filepath.Dir(out)) {
		t.Errorf("calc -o %s: %v", out, err)
	}
}
