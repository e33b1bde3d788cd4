package ledger

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"zengshou/calc"
)

// LEDGER_DUMP=testdata/ledgers/x.xlsx go test -run TestDumpLedger prints what Read found.
func TestDumpLedger(t *testing.T) {
	p := os.Getenv("LEDGER_DUMP")
	if p == "" {
		t.Skip("set LEDGER_DUMP")
	}
	led, err := Read(p, ReadOptions{Period: calc.Period{Year: 2026, Quarter: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(led, "", " ")
	t.Log(string(b))
}
func TestDumpGenerated(t *testing.T) {
	if os.Getenv("LEDGER_DUMP_GEN") == "" {
		t.Skip()
	}
	p := filepath.Join(t.TempDir(), "g.xlsx")
	_ = GenerateFile(p, 60, 3, GenOptions{})
	led, err := Read(p, ReadOptions{Period: calc.Period{Year: 2026, Quarter: 3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range led.Sheets {
		t.Logf("%s kind=%s hdr=%v code=%d first=%d last=%d data=%d skipped=%v", s.Name, s.Kind, s.HeaderRows, s.CodeRow, s.FirstRow, s.LastRow, s.DataRows, s.Skipped)
		for _, c := range s.Columns {
			t.Logf("   %d %s = %s q%d %s %s", c.Index, c.Header, c.Field, c.Quarter, c.Period, c.Species)
		}
	}
	for i, e := range led.Errors {
		if i < 25 {
			t.Logf("ERR %+v", e)
		}
	}
	t.Logf("households %d livestock %d laborers %d errors %d", len(led.Inputs.Households), len(led.Inputs.Livestock), len(led.Inputs.Laborers), len(led.Errors))
}
