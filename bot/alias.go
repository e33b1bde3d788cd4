package bot

import (
	"context"
	"fmt"
	"strings"

	"zengshou/bot/store"
	"zengshou/calc"
)

// A laborer or a 公益岗位 holder is known by two subjects: the ID number when the ledger has one,
// else 户编号/姓名 (calc.PersonSubject), and a task's id holds its subject (rule|subject|detail).
// The 2026Q4 workbook without the ID column raised the 2026Q3 稳岗补贴 task again under the
// other subject: the Q3 task was closed (the cadre told 已完成 though nothing was done) and a new
// one opened with a fresh due date, out of reach of overdue and 落实不力. Two ledgers of one
// quarter, one with ID numbers and one without, left two open tasks and two reminder lines for
// one measure. aliasTasks makes them one task: the one stored.

// aliasTasks is what the store holds of the people of an upload: their households' open tasks
// and the links between each person's two subjects.
type aliasTasks struct {
	open  map[string]store.TaskRow // by id
	links map[string]string        // subject → the person's other subject
}

// taskAliases are the subject pairs of the ledger's people (personAliases), 公益岗位 holders too.
func taskAliases(in *calc.Inputs) map[string]string {
	out := personAliases(in)
	for _, p := range in.Posts {
		id := calc.PersonSubject(p.Household, p.Name, p.IDNumber)
		hn := calc.PersonSubject(p.Household, p.Name, "")
		if p.Household == "" || id == hn || out[id] != "" || out[hn] != "" {
			continue
		}
		out[id], out[hn] = hn, id
	}
	return out
}

// idSubjectOther is the other subject of a task stored under a person's ID number: its
// household/subject_name ("" for a task of a household or an entity, or under 户编号/姓名).
func idSubjectOther(t store.TaskRow) string {
	if t.Household == "" || t.SubjectName == "" || t.Subject == t.Household || strings.Contains(t.Subject, "/") {
		return ""
	}
	return calc.PersonSubject(t.Household, t.SubjectName, "")
}

// loadAliasTasks reads the open tasks of the ledger's people (by household and by subject, both
// subjects when the ledger gives both: a task stored under an ID number of a row without 户编号
// has no household). The link between
// a person's subjects comes from the ledger (a row with ID number, 户编号 and 姓名) or from a task
// stored under an ID number (its household and subject_name are the other subject).
func (s *Service) loadAliasTasks(ctx context.Context, in *calc.Inputs) (*aliasTasks, error) {
	a := &aliasTasks{open: map[string]store.TaskRow{}, links: taskAliases(in)}
	seen := map[string]bool{}
	var households, subjects []string
	add := func(to *[]string, x string) {
		if x != "" && !seen[x] {
			seen[x] = true
			*to = append(*to, x)
		}
	}
	for _, l := range in.Laborers {
		add(&households, l.Household)
		add(&subjects, calc.PersonSubject(l.Household, l.Name, l.IDNumber))
	}
	for _, p := range in.Posts {
		add(&households, p.Household)
		add(&subjects, calc.PersonSubject(p.Household, p.Name, p.IDNumber))
	}
	for x := range a.links {
		add(&subjects, x)
	}
	if len(households)+len(subjects) == 0 {
		return a, nil
	}
	open, err := s.st.OpenTasksOf(ctx, households, subjects)
	if err != nil {
		return nil, err
	}
	for _, t := range open {
		a.open[t.ID] = t
		if other := idSubjectOther(t); other != "" && a.links[other] == "" && a.links[t.Subject] == "" {
			a.links[other], a.links[t.Subject] = t.Subject, other
		}
	}
	return a, nil
}

// withSubject is task id with its subject replaced (rule|subject|detail, rule|subject), ok false
// when the id does not hold the subject there.
func withSubject(id, subject, other string) (string, bool) {
	rule, rest, ok := strings.Cut(id, "|")
	if !ok {
		return "", false
	}
	if rest == subject {
		return rule + "|" + other, true
	}
	if detail, ok := strings.CutPrefix(rest, subject+"|"); ok {
		return rule + "|" + other + "|" + detail, true
	}
	return "", false
}

// stored is the open task stored under id for an evaluation of year: a subsidy owed for another
// year is not the same task, and one kept under its year's id (store.YearTaskID) is.
func (a *aliasTasks) stored(id, rule string, year int) (store.TaskRow, bool) {
	t, ok := a.open[id]
	if rule != "subsidy_unpaid" || (ok && (t.Year == 0 || t.Year == year)) {
		return t, ok
	}
	t, ok = a.open[store.YearTaskID(id, rule, year)]
	return t, ok
}

// apply keeps, for each person task of ev that the store holds open under the person's other
// subject, the stored task: ev's task takes its id, so that saving it keeps its due date,
// reminders and first_seen, and neither closes it (已完成) nor counts a new one. When both
// subjects hold the measure open (an existing store, from before), the older task is kept and
// the other closed without 已完成 (Evaluation.Duplicates). A person this ledger speaks for
// (Covered) is covered under both subjects: paid in full in a ledger without ID numbers, the task
// stored under the ID number is done.
func (a *aliasTasks) apply(ev *store.Evaluation) {
	if a == nil || len(a.links) == 0 {
		return
	}
	year := ev.Period.Year
	for i := range ev.Tasks {
		t := &ev.Tasks[i]
		other := a.links[t.Subject]
		if other == "" {
			continue
		}
		altID, ok := withSubject(t.ID, t.Subject, other)
		if !ok {
			continue
		}
		alt, ok := a.stored(altID, t.Rule, year)
		if !ok {
			continue
		}
		if own, ok := a.stored(t.ID, t.Rule, year); ok {
			if own.FirstSeen.Before(alt.FirstSeen) || (own.FirstSeen.Equal(alt.FirstSeen) && own.ID < alt.ID) {
				ev.Duplicates = append(ev.Duplicates, alt.ID)
				continue
			}
			ev.Duplicates = append(ev.Duplicates, own.ID)
		}
		if alt.ID != altID { // kept under its year's id (store.YearTaskID), as SaveEvaluation says
			t.Explain = fmt.Sprintf("%d年度：", year) + t.Explain
		}
		t.ID = alt.ID
	}
	for _, t := range a.open {
		if other := a.links[t.Subject]; other != "" && ev.Covered[other] {
			ev.Covered[t.Subject] = true
		}
	}
}
