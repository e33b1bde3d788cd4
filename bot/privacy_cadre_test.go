package bot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/calc/ledger"
)

// Cadres often write the responsible cadre with a phone number (“李志强13812345678”). That cell
// is quoted in the reply (cadres outside the roster), in 进度, 名册, the group digest for cadres
// outside the roster and the escalations: no chat text shows the phone number.
func TestPrivacyCadreCellWithAPhoneNumberIsMaskedInEveryChatText(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	tmp := filepath.Join(t.TempDir(), "g.xlsx")
	if err := ledger.GenerateFile(tmp, 12, 7, q4()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		col := -1
		for i, r := range rows {
			if col < 0 {
				for j, c := range r {
					if strings.Contains(c, "帮扶责任人") {
						col = j
					}
				}
				continue
			}
			if col < len(r) && r[col] != "" && !strings.ContainsAny(r[col], "0123456789") {
				cell, _ := excelize.CoordinatesToCellName(col+1, i+1)
				f.SetCellValue(sh, cell, fmt.Sprintf("%s1%d%09d", r[col], 3+i%7, 100000000+i))
				changed++
			}
		}
	}
	if changed == 0 {
		t.Fatal("no 帮扶责任人 cell")
	}
	h.drop(dir, "台账.xlsx", f)
	h.drain()
	for i, c := range []string{"进度", "名册", "待办"} {
		fxCommand(t, h, fmt.Sprintf("cadre-%d", i), c)
	}
	ctx := context.Background()
	if _, err := h.svc.SendDigests(ctx, true); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(200 * 24 * time.Hour) // past due: escalated
	h.svc.Escalate(ctx)
	mobile := regexp.MustCompile(`1[3-9]\d{9}`)
	msgs := h.messages("")
	if len(msgs) < 5 {
		t.Fatalf("%d messages", len(msgs))
	}
	for _, m := range msgs {
		if p := mobile.FindString(m.Text); p != "" {
			t.Errorf("a %s message to %q%v shows the phone number %s:\n%s", m.Kind, m.Chat, m.To, p, m.Text)
		}
	}
}
