package ledger

import (
	"encoding/json"
	"os"
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
