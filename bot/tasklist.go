package bot

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/config/redact"
)

// taskListBook is the list attached to a digest or an escalation too long to list in full:
// every task, one row each, with the names as the message shows them (whole only in the
// responsible cadre's direct message) and ID and phone numbers masked.
func (s *Service) taskListBook(tasks []store.TaskRow, direct bool, now time.Time) ([]byte, error) {
	cfg := s.Config()
	loc := cfg.Reminders.Location()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "待办清单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	head := []any{"序号", "帮扶责任人", "户主/对象", "旗县区", "苏木乡镇", "嘎查村", "条款", "事项", "说明", "涉及金额(元)", "期限", "状态"}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return nil, err
	}
	row := 2
	for _, t := range tasks {
		title := t.Rule
		if r, ok := calc.RuleByID(t.Rule); ok {
			title = r.Title
		}
		name := t.SubjectName
		switch {
		case name == "":
			name = "（未填户主）"
		case !direct:
			name = redact.Name(name)
		}
		state := "未完成"
		switch {
		case !t.EscalatedAt.IsZero():
			state = "已报告领导"
		case pastDue(t.Due, now, loc):
			state = "已逾期"
		}
		var amount any
		if t.Amount != nil {
			amount = yuanFloat(*t.Amount)
		}
		vals := []any{row - 1, cadreName(t.Cadre), name, t.Unit.County, t.Unit.Township, t.Unit.Village, t.Clause, title,
			explainFor(t, direct), amount, dueText(t.Due), state}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return nil, err
		}
		row++
	}
	_ = f.SetColWidth(sheet, "A", "A", 6)
	_ = f.SetColWidth(sheet, "B", "H", 14)
	_ = f.SetColWidth(sheet, "I", "I", 80)
	_ = f.SetColWidth(sheet, "J", "L", 12)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if row > 2 {
		_ = f.AutoFilter(sheet, fmt.Sprintf("A1:L%d", row-1), nil)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
