package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"zengshou/calc"
)

// A store of the last release: upload 2, guessed 2027Q1, was withdrawn by the renamed upload 7,
// whose save then failed (withdrawn 1 household; what was put back was not recorded then). After
// the upgrade, 7's retry reports the household withdrawn and nothing put back, as it can know.
func TestUendsRenameRetryAcrossTheUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "withdrawn_restored")
	saved := time.Date(2027, 1, 6, 2, 0, 0, 0, time.UTC)
	if _, err := old.Exec(`INSERT INTO guessed_periods(job_id, platform, chat_id, period, name, saved_at, withdrawn_by, withdrawn)
		VALUES(2, 'local', 'c', '2027Q1', '红旗村台账.xlsx', ?, 7, 1)`, saved.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws, err := s.WithdrawGuessed(context.Background(), 7, "local", "c", calc.Period{Year: 2027, Quarter: 1}, saved.Add(-time.Hour),
		[]string{"HQ001"}, []string{"HQ001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].JobID != 2 || ws[0].Households != 1 || ws[0].Restored != 0 || len(ws[0].RestoredFrom) != 0 {
		t.Fatalf("withdrawals %+v", ws)
	}
}
