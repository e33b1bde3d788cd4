package store

import (
	"context"
	"path/filepath"
	"testing"

	"zengshou/calc"
)

// paid saves one ledger's 已发放 for H1's calf subsidy: job, quarter of 2026, amount in yuan.
func paid(t *testing.T, s *Store, job int64, q int, yuan int64) *SaveResult {
	t.Helper()
	ev := &Evaluation{JobID: job, Period: calc.Period{Year: 2026, Quarter: q},
		Payments: []calc.Payment{{Subject: "H1", Rule: "calf_sale", Amount: calc.Yuan(yuan)}}}
	r, err := s.SaveEvaluation(context.Background(), ev, t0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// onRecord is H1's calf subsidy on record for 2026.
func onRecord(t *testing.T, s *Store) Payment {
	t.Helper()
	pays, err := s.Payments(context.Background(), []string{"H1"}, 2026)
	if err != nil || len(pays) != 1 {
		t.Fatalf("payments: %+v %v", pays, err)
	}
	return pays[0]
}

// The year's paid amount on record is the newest ledger's: the same quarter sent again, or a later
// quarter, replaces it even when smaller (a correction, reported as lowered); an earlier quarter's
// ledger sent after a later one only raises it, and the later quarter stays the one on record.
func TestPaymentsNewestLedgerStands(t *testing.T) {
	s := open(t)
	q := func(n int) calc.Period { return calc.Period{Year: 2026, Quarter: n} }
	steps := []struct {
		job     int64
		quarter int
		yuan    int64
		want    int64 // yuan on record after
		wantQ   int   // its quarter
		lowered bool
	}{
		{1, 2, 6000, 6000, 2, false}, // 600 typed as 6000
		{2, 2, 600, 600, 2, true},    // the 2026Q2 workbook sent again, corrected
		{3, 3, 800, 800, 3, false},   // 2026Q3: 800 paid so far
		{4, 2, 600, 800, 3, false},   // the 2026Q2 workbook again: older, 600 < 800, changes nothing
		{5, 2, 900, 900, 3, false},   // an older quarter's larger amount still raises it (the old rule)
		{6, 3, 0, 0, 3, true},        // 2026Q3 again with an explicit 0: a recorded 0
		{7, 4, 1000, 1000, 4, false}, // 2026Q4
	}
	for _, st := range steps {
		r := paid(t, s, st.job, st.quarter, st.yuan)
		got := onRecord(t, s)
		if got.Amount != calc.Yuan(st.want) || got.Period != q(st.wantQ) {
			t.Errorf("job %d (Q%d, %d元): on record %s %v, want %d元 %v", st.job, st.quarter, st.yuan, got.Amount.Text(), got.Period, st.want, q(st.wantQ))
		}
		if (len(r.Lowered) > 0) != st.lowered {
			t.Errorf("job %d: lowered %+v, want %v", st.job, r.Lowered, st.lowered)
		}
	}
	// A ledger that records nothing for H1 (已发放 blank) leaves the amount as it is.
	if _, err := s.SaveEvaluation(context.Background(), &Evaluation{JobID: 8, Period: q(4)}, t0); err != nil {
		t.Fatal(err)
	}
	if got := onRecord(t, s); got.Amount != calc.Yuan(1000) || got.JobID != 7 {
		t.Errorf("after a blank ledger: %+v", got)
	}
	// The lowered amount of job 2 names the subject and both amounts.
	r := paid(t, s, 9, 4, 100)
	if len(r.Lowered) != 1 || r.Lowered[0] != (PaymentChange{Subject: "H1", Rule: "calf_sale", From: calc.Yuan(1000), To: calc.Yuan(100)}) {
		t.Errorf("lowered: %+v", r.Lowered)
	}
}

// An amount carried to a person's other subject (Evaluation.Carried) keeps the quarter and job it
// was recorded by, and is merged with what the subject has, not added to it.
func TestPaymentsCarriedKeepTheirQuarter(t *testing.T) {
	s, ctx := open(t), context.Background()
	q2, q3 := calc.Period{Year: 2026, Quarter: 2}, calc.Period{Year: 2026, Quarter: 3}
	c := Payment{Period: q2, JobID: 1}
	c.Subject, c.Rule, c.Amount = "P1", "stable_job", calc.Yuan(3000)
	if _, err := s.SaveEvaluation(ctx, &Evaluation{JobID: 5, Period: q3, Carried: []Payment{c}}, t0); err != nil {
		t.Fatal(err)
	}
	pays, _ := s.Payments(ctx, []string{"P1"}, 2026)
	if len(pays) != 1 || pays[0].Amount != calc.Yuan(3000) || pays[0].Period != q2 || pays[0].JobID != 1 {
		t.Fatalf("carried: %+v", pays)
	}
	// The same carried again is no change; this ledger's own record of the subject stands over it.
	ev := &Evaluation{JobID: 6, Period: q3, Carried: []Payment{c}, Payments: []calc.Payment{{Subject: "P1", Rule: "stable_job", Amount: calc.Yuan(1500)}}}
	r, err := s.SaveEvaluation(ctx, ev, t0)
	if err != nil {
		t.Fatal(err)
	}
	pays, _ = s.Payments(ctx, []string{"P1"}, 2026)
	if len(pays) != 1 || pays[0].Amount != calc.Yuan(1500) || pays[0].Period != q3 || len(r.Lowered) != 1 {
		t.Fatalf("recorded over carried: %+v, lowered %+v", pays, r.Lowered)
	}
}

// A store from before the quarter was kept: its amounts are read as they were (no quarter), and
// keep the old rule, the largest stands; a larger amount recorded for a quarter takes its place
// and from then on the newest ledger's stands.
func TestPaymentsStoredBeforeQuartersKeepTheLargest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "ALTER TABLE payments ADD COLUMN period")
	// As the last release stored them: 6000元 (a typo) for H1, 1000元 for H2, 3000元 for a person.
	for _, r := range []struct {
		subject, rule string
		yuan          int64
	}{{"H1", "calf_sale", 6000}, {"H2", "calf_sale", 1000}, {"150404199001011234", "stable_job", 3000}} {
		if _, err := old.Exec(`INSERT INTO payments(subject, rule, year, amount, job_id) VALUES(?,?,2026,?,3)`, r.subject, r.rule, int64(calc.Yuan(r.yuan))); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	pays, err := s.Payments(ctx, []string{"H1", "H2", "150404199001011234"}, 2026)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Payment{}
	for _, p := range pays {
		got[p.Subject] = p
	}
	if len(got) != 3 || got["H1"].Amount != calc.Yuan(6000) || got["H2"].Amount != calc.Yuan(1000) ||
		got["150404199001011234"].Amount != calc.Yuan(3000) || got["H1"].Period != (calc.Period{}) || got["H1"].JobID != 3 {
		t.Fatalf("after the migration: %+v", pays)
	}
	// The old rule for them: 600元 does not lower the 6000元 stored without a quarter…
	if r := paid(t, s, 4, 4, 600); len(r.Lowered) != 0 {
		t.Errorf("a legacy amount lowered: %+v", r.Lowered)
	}
	if p := onRecord(t, s); p.Amount != calc.Yuan(6000) || p.Period != (calc.Period{}) {
		t.Errorf("legacy 6000元 after 600元: %+v", p)
	}
	// …a larger amount replaces it and is 2026Q4's; the same quarter's correction then stands.
	paid(t, s, 5, 4, 7000)
	if p := onRecord(t, s); p.Amount != calc.Yuan(7000) || p.Period != (calc.Period{Year: 2026, Quarter: 4}) {
		t.Errorf("7000元 over a legacy 6000元: %+v", p)
	}
	paid(t, s, 6, 4, 700)
	if p := onRecord(t, s); p.Amount != calc.Yuan(700) {
		t.Errorf("700元 corrects 2026Q4's 7000元: %+v", p)
	}
}

func TestMergePaid(t *testing.T) {
	rec := func(yuan int64, q int, job int64) Payment {
		p := Payment{JobID: job}
		if q > 0 {
			p.Period = calc.Period{Year: 2026, Quarter: q}
		}
		p.Amount = calc.Yuan(yuan)
		return p
	}
	for _, c := range []struct {
		name          string
		old, nw, want Payment
	}{
		{"same quarter, later upload, smaller", rec(6000, 3, 1), rec(600, 3, 2), rec(600, 3, 2)},
		{"same quarter, earlier upload (joining a person's records)", rec(600, 3, 2), rec(6000, 3, 1), rec(6000, 3, 1)},
		{"later quarter, smaller", rec(6000, 2, 1), rec(0, 3, 2), rec(0, 3, 2)},
		{"earlier quarter, smaller", rec(800, 3, 1), rec(600, 2, 2), rec(800, 3, 1)},
		{"earlier quarter, larger", rec(800, 3, 1), rec(900, 2, 2), rec(900, 3, 2)},
		{"legacy, smaller", rec(6000, 0, 1), rec(600, 3, 2), rec(6000, 0, 1)},
		{"legacy, equal", rec(600, 0, 1), rec(600, 3, 2), rec(600, 3, 2)},
		{"legacy, larger", rec(600, 0, 1), rec(700, 3, 2), rec(700, 3, 2)},
		{"legacy copy onto a quarter's, larger", rec(600, 3, 2), rec(700, 0, 1), rec(700, 3, 1)},
		{"legacy copy onto a quarter's, smaller", rec(600, 3, 2), rec(500, 0, 1), rec(600, 3, 2)},
	} {
		if got := MergePaid(c.old, c.nw); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
