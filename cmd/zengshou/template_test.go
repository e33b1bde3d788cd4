package main

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// `zengshou template 牲畜` takes the Chinese names the 模板 command takes, and an unknown kind is
// told in Chinese with the kinds there are (it was “template: unknown kind "牲畜" (want one of
// households, livestock, …)”).
func TestTemplateKindNames(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := runTemplate(&out, io.Discard, []string{"牲畜", "-o", dir}); err != nil {
		t.Fatalf("template 牲畜: %v", err)
	}
	if got := strings.TrimSpace(out.String()); got != filepath.Join(dir, "livestock_牲畜动态监测台账.xlsx") {
		t.Errorf("template 牲畜 wrote %q", got)
	}
	err := runTemplate(io.Discard, io.Discard, []string{"cows", "-o", dir})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(ee.msg, "没有“cows”模板。可用的种类：households（家庭收入台账）、livestock（牲畜动态监测台账）") {
		t.Errorf("template cows: %v", err)
	}
}
