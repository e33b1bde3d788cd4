package calc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// Evaluate applies every rule of the seed to the inputs for the period, under the policy in
// force at the period's end (or at in.AsOf). It is pure: no clock, no network, no storage.
func Evaluate(p Period, pol *Policy, in *Inputs) *Result {
	e := newEval(p, pol, in)
	// The seed's order. Each section lives in its own file.
	evalMonitoring(e)  // （一）
	evalIndustry(e)    // （三）
	evalProjects(e)    // （四）（五）（六）
	evalLinkage(e)     // （七）
	evalEmployment(e)  // （八）（九）（十）
	evalAbsorption(e)  // （十一）
	evalRelief(e)      // （十二）
	evalSafetyNet(e)   // （十三）（十四）（十五）
	evalGapMeasures(e) // （一）: the measures that could close each income gap, after every amount rule
	evalScaleRisk(e)   // （二）: needs the monitored households found above
	evalUnits(e)       // （十六）–（十八）: unit summaries, 两高于, 落实不力
	e.res.sort()
	return e.res
}

// eval carries one evaluation: the period, the policy, the inputs and what was found so far.
type eval struct {
	p    Period
	pol  *Policy
	in   *Inputs
	asOf time.Time
	hh   map[string]*Household // by ID
	// dupIDs: some household id is on more than one row (hh has the first). monRows: for each
	// row that hh has, whether a finding put the household under 增收监测 (set by emit);
	// monOther: the same for a household id not in the inputs. By row, so that the unit
	// summaries of （二） and （十六） look nothing up by id.
	dupIDs   bool
	monRows  []bool
	monOther map[string]bool
	paid     map[paidKey]Fen // paid this year
	res      *Result

	params     map[paramKey]paramHit // parameter lookups (eval_cache.go)
	paramSlots [paramSlots]paramSlot // … and the table in front of them
	ruleSlots  [32]ruleEntry         // rule()
	lastHID    string                // household()
	lastH      *Household
	lastHOK    bool
	proj       []xrat                // （一）'s projected per-capita income by household index (zero: not worked out)
	priorBase  []Fen                 // … and I0 taken from last year's Q4 upload when the ledger has none (nil: none)
	mon        *monParams            // （一）'s parameters for the last county seen
	monBy      map[string]*monParams // … and by county
	dueAt      time.Time             // due() worked out
	// laborerFirst is, for each laborer row, the index of the first row of the same person
	// (（八）（十） evaluate a person's rows together), -1 for a row out of scope; set by
	// evalEmployment.
	laborerFirst []int32

	t    texts       // the strings of the results (text.go)
	ins  slab[Input] // … their []Input
	used slab[Used]  // … their []Used
	fens slab[Fen]   // … and their amounts
}

func newEval(p Period, pol *Policy, in *Inputs) *eval {
	// The slices are sized for a typical ledger (about two findings and one task per household)
	// so that they are not copied over and over while they grow.
	nh := len(in.Households)
	e := &eval{p: p, pol: pol, in: in, asOf: in.AsOf, hh: make(map[string]*Household, nh),
		paid: make(map[paidKey]Fen, len(in.Payments)), res: &Result{Period: p, Findings: make([]Finding, 0, 2*nh+len(in.Laborers)/4+8),
			Tasks: make([]Task, 0, nh+8), Errors: make([]DataError, 0, nh/4+8), Warnings: []string{}}}
	if e.asOf.IsZero() {
		e.asOf = p.End()
	}
	for i := range in.Households {
		h := &in.Households[i]
		if _, dup := e.hh[h.ID]; !dup {
			e.hh[h.ID] = h
		} else {
			e.dupIDs = true
		}
	}
	for i := range in.Known {
		if h := &in.Known[i]; e.hh[h.ID] == nil {
			e.hh[h.ID] = h
		}
	}
	for _, pay := range in.Payments {
		e.paid[paidKey{pay.Subject, pay.Rule}] += pay.Amount
	}
	return e
}

// household returns the household with the given id, or nil. The last one asked for is
// remembered: a record's rules ask for the same household several times in a row.
func (e *eval) household(id string) *Household {
	if e.lastHOK && id == e.lastHID {
		return e.lastH
	}
	h := e.hh[id]
	e.lastHID, e.lastH, e.lastHOK = id, h, true
	return h
}

// county returns the county of a household id ("" when unknown).
func (e *eval) county(household string) string {
	if h := e.household(household); h != nil {
		return h.County
	}
	return ""
}

// due is the due date of a task raised in this upload: the end of the quarter
// task_due_quarters after the quarter of the upload (POLICY.md "Tasks"; AsOf, the upload date),
// or after the period when the upload date falls before the period's end.
func (e *eval) due() time.Time {
	if !e.dueAt.IsZero() {
		return e.dueAt
	}
	n, _ := pValue(e, &e.pol.TaskDueQuarters, "", e.asOf)
	q := e.p
	if u := PeriodOf(e.asOf); q.Before(u) {
		q = u // a ledger of a quarter uploaded after it ended
	}
	for i := 0; i < n; i++ {
		q = q.Next()
	}
	e.dueAt = q.End()
	return e.dueAt
}

// rule is RuleByID through a small table keyed by the id string's address: rule ids are the
// package's string constants, so the same id comes back at the same address, and a hit costs a
// pointer comparison instead of a map lookup. (The same address and length is the same string.)
func (e *eval) rule(id string) (RuleInfo, bool) {
	p := unsafe.StringData(id)
	slot := &e.ruleSlots[(uintptr(unsafe.Pointer(p))>>3)%uintptr(len(e.ruleSlots))]
	if slot.p == p && slot.n == len(id) && p != nil {
		return slot.r, true
	}
	r, ok := RuleByID(id)
	if ok {
		*slot = ruleEntry{p: p, n: len(id), r: r}
	}
	return r, ok
}

type ruleEntry struct {
	p *byte
	n int
	r RuleInfo
}

// warn adds a policy-level warning once.
func (e *eval) warn(format string, a ...any) {
	w := fmt.Sprintf(format, a...)
	for _, x := range e.res.Warnings {
		if x == w {
			return
		}
	}
	e.res.Warnings = append(e.res.Warnings, w)
}

// emit adds a finding, filling the clause and kind from the rule catalogue when empty.
func (e *eval) emit(f Finding) {
	if r, ok := e.rule(f.Rule); ok {
		if f.Clause == "" {
			f.Clause = r.Clause
		}
		if f.Kind == "" {
			f.Kind = r.Kind
		}
	}
	if f.Monitored && f.Household != "" {
		e.markMonitored(f.Household)
	}
	e.res.Findings = append(e.res.Findings, f)
}

// markMonitored records that a finding put household id under 增收监测.
func (e *eval) markMonitored(id string) {
	if i := e.rowOf(e.household(id)); i >= 0 {
		if e.monRows == nil {
			e.monRows = make([]bool, len(e.in.Households))
		}
		e.monRows[i] = true
		return
	}
	if e.monOther == nil {
		e.monOther = map[string]bool{}
	}
	e.monOther[id] = true
}

// monitored reports whether a finding put household id under 增收监测 (h: the household of
// that id, or nil).
func (e *eval) monitored(h *Household, id string) bool {
	if i := e.rowOf(h); i >= 0 {
		return e.monRows != nil && e.monRows[i]
	}
	return e.monOther[id]
}

// rowOf is the index in the inputs of h, a household of e.hh (-1 for nil or a household of
// in.Known).
func (e *eval) rowOf(h *Household) int {
	if h == nil || len(e.in.Households) == 0 {
		return -1
	}
	first := uintptr(unsafe.Pointer(unsafe.SliceData(e.in.Households)))
	if p := uintptr(unsafe.Pointer(h)); p >= first && p < first+uintptr(len(e.in.Households))*unsafe.Sizeof(Household{}) {
		return int((p - first) / unsafe.Sizeof(Household{}))
	}
	return -1
}

// first is the row of the inputs that e.hh has for the household on row i (i itself unless a
// household id is on several rows).
func (e *eval) first(i int) *Household {
	h := &e.in.Households[i]
	if e.dupIDs {
		return e.hh[h.ID]
	}
	return h
}

// task adds a task. Its ID is rule|subject|detail, stable across uploads.
func (e *eval) task(t Task, detail string) {
	if r, ok := e.rule(t.Rule); ok && t.Clause == "" {
		t.Clause = r.Clause
	}
	if detail != "" {
		t.ID = e.t.cat(t.Rule, "|", t.Subject, "|", detail)
	} else {
		t.ID = e.t.cat(t.Rule, "|", t.Subject)
	}
	if t.Due.IsZero() {
		t.Due = e.due()
	}
	if h := e.household(t.Household); h != nil {
		if t.Cadre == "" {
			t.Cadre = h.Cadre
		}
		if t.Unit == (Unit{}) {
			t.Unit = h.Unit
		}
		if t.SubjectName == "" {
			t.SubjectName = h.Head
		}
	}
	e.res.Tasks = append(e.res.Tasks, t)
}

// dataError reports a cell or row the cadre must look at.
func (e *eval) dataError(ref Ref, column, rule, msg string) {
	e.res.Errors = append(e.res.Errors, DataError{Sheet: ref.Sheet, Row: ref.Row, Column: column, Message: msg, Rule: rule})
}

// paidFor returns what was already paid this year for rule to subject.
func (e *eval) paidFor(subject, rule string) Fen {
	if len(e.paid) == 0 {
		return 0
	}
	return e.paid[paidKey{subject, rule}]
}

type paidKey struct{ subject, rule string }

// recorded reports whether Inputs.Payments records a payment (even of 0) for rule to subject. A
// rule that counts a record's own paid field (AwardPaid, from JSON rows) in their absence asks
// before it writes that amount into e.paid.
func (e *eval) recorded(subject, rule string) bool {
	_, ok := e.paid[paidKey{subject, rule}]
	return ok
}

// entitlement emits an amount finding for money owed under rule and, when less has been paid,
// a subsidy_unpaid task for the responsible cadre (应享未享). owed is the year's amount after
// caps; explain is the one-line Chinese explanation of how it was computed.
func (e *eval) entitlement(f Finding, owed Fen) {
	e.entitlementPaid(f, owed, e.paidFor(f.Subject, f.Rule))
}

// entitlementPaid is entitlement with what counts as already paid given by the rule (clause
// （十）: a flexible_job payment counts towards stable_job, one of the two per person per year).
func (e *eval) entitlementPaid(f Finding, owed, paid Fen) {
	f.Kind = KindAmount
	f.Amount, f.Paid = e.fens.ptr(owed), e.fens.ptr(paid)
	e.emit(f)
	if owed <= paid {
		return
	}
	unpaid := owed - paid
	r, _ := e.rule(f.Rule)
	clause := f.Clause
	if clause == "" {
		clause = r.Clause
	}
	var msg string
	if paid > 0 {
		msg = e.t.cat("依据《若干措施》", clause, "：", f.Explain, "，应享", r.Title, e.t.fen(owed), "，已发放", e.t.fen(paid), "，尚欠", e.t.fen(unpaid))
	} else {
		msg = e.t.cat("依据《若干措施》", clause, "：", f.Explain, "，应享", r.Title, e.t.fen(owed), "，尚未发放")
	}
	e.task(Task{Rule: "subsidy_unpaid", Clause: clause, Subject: f.Subject, SubjectName: f.SubjectName,
		Household: f.Household, Unit: f.Unit, Ref: f.Ref, Amount: e.fens.ptr(unpaid), Explain: msg}, f.Rule)
}

// sort orders the results so that output is deterministic: by sheet row, then rule.
func (r *Result) sort() {
	r.Findings = sortBySheetRow(r.Findings, func(f *Finding) (string, int) { return f.Ref.Sheet, f.Ref.Row })
	r.Tasks = sortStable(r.Tasks, func(a, b *Task) int { return strings.Compare(a.ID, b.ID) })
	r.Errors = sortBySheetRow(r.Errors, func(e *DataError) (string, int) { return e.Sheet, e.Row })
}

// sortBySheetRow sorts s stably by sheet name, then row: the order sortStable gives with that
// comparison, but on integer keys (a result has a handful of sheets and many rows, and string
// comparisons were most of the sort's time). Rows within a bounded range, the common case, are
// placed by a counting sort; otherwise the keys are sorted.
func sortBySheetRow[T any](s []T, at func(*T) (string, int)) []T {
	type key struct {
		sheet, i int32
		row      int
	}
	keys := make([]key, len(s))
	var sheets []string // distinct sheet names, in order of appearance
	last, lastIdx := "", -1
	minRow, maxRow := 0, 0
	for i := range s {
		sheet, row := at(&s[i])
		if lastIdx < 0 || sheet != last {
			lastIdx = slices.Index(sheets, sheet)
			if lastIdx < 0 {
				lastIdx = len(sheets)
				sheets = append(sheets, sheet)
			}
			last = sheet
		}
		keys[i] = key{sheet: int32(lastIdx), i: int32(i), row: row}
		if i == 0 || row < minRow {
			minRow = row
		}
		if i == 0 || row > maxRow {
			maxRow = row
		}
	}
	// Ranks of the sheets in name order.
	order := make([]int32, len(sheets))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(sheets[a], sheets[b]) })
	rank := make([]int32, len(sheets))
	for r, i := range order {
		rank[i] = int32(r)
	}
	sorted := true
	for i := range keys {
		keys[i].sheet = rank[keys[i].sheet]
		if i > 0 && sorted {
			a, b := keys[i-1], keys[i]
			sorted = a.sheet < b.sheet || a.sheet == b.sheet && a.row <= b.row
		}
	}
	if sorted {
		return s
	}
	from := make([]int32, len(keys))
	if span, limit := uint64(maxRow)-uint64(minRow)+1, uint64(4*len(keys)+4096); span <= limit && span*uint64(len(sheets)) <= limit {
		// Counting sort on (sheet, row): stable, linear.
		width := int(span)
		count := make([]int32, width*len(sheets)+1)
		slot := func(k key) int { return int(k.sheet)*width + (k.row - minRow) }
		for _, k := range keys {
			count[slot(k)+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, k := range keys {
			c := &count[slot(k)]
			from[*c] = k.i
			*c++
		}
	} else {
		// The index breaks ties, so an unstable sort gives the stable order.
		slices.SortFunc(keys, func(a, b key) int {
			if a.sheet != b.sheet {
				return cmp.Compare(a.sheet, b.sheet)
			}
			if a.row != b.row {
				return cmp.Compare(a.row, b.row)
			}
			return cmp.Compare(a.i, b.i)
		})
		for i, k := range keys {
			from[i] = k.i
		}
	}
	permute(s, from)
	return s
}

// permute moves s[from[i]] to s[i] for every i, in place, following the permutation's cycles:
// each record is moved once, and no second slice of large records is made. It changes from.
func permute[T any](s []T, from []int32) {
	for i := range from {
		if from[i] == int32(i) {
			continue
		}
		tmp := s[i]
		j := int32(i)
		for {
			k := from[j]
			from[j] = j
			if k == int32(i) {
				s[j] = tmp
				break
			}
			s[j] = s[k]
			j = k
		}
	}
}

// sortStable sorts s stably by c: the order sort.SliceStable gives, but the large records are
// moved once (their indices are sorted) instead of at every swap.
func sortStable[T any](s []T, c func(a, b *T) int) []T {
	sorted := true
	for i := 1; i < len(s) && sorted; i++ {
		sorted = c(&s[i-1], &s[i]) <= 0
	}
	if sorted {
		return s
	}
	idx := make([]int32, len(s))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(i, j int32) int { return c(&s[i], &s[j]) })
	permute(s, idx)
	return s
}
