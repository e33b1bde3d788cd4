package ledger

import (
	"strings"

	"zengshou/calc"
)

// linkKeys are what a row says about the household it belongs to.
type linkKeys struct {
	no, headID, headName, village, personID string
	column                                  string // header of the key column, for messages
}

func (k linkKeys) empty() bool {
	return k.no == "" && k.headID == "" && k.headName == "" && k.personID == ""
}

// fallback is the household key used when the workbook has no household sheet.
func (k linkKeys) fallback() string {
	switch {
	case k.no != "":
		return k.no
	case k.headID != "":
		return k.headID
	}
	return ""
}

// pendingLink is a record whose Household is set once every sheet is read.
type pendingLink struct {
	kind     string // Kind* of the record's slice, or "payment"
	idx      int
	keys     linkKeys
	ref      calc.Ref
	required bool
}

// householdIndex finds households by 户编号, 户主身份证号, 户主姓名+村.
type householdIndex struct {
	byKey   map[string]int // household key → index in Inputs.Households
	entries []holdEntry    // parallel to Inputs.Households
}

type holdEntry struct {
	no, headID, headName, village, sheet string
	rows                                 int // rows aggregated (rosters)
}

func newHouseholdIndex() *householdIndex { return &householdIndex{byKey: map[string]int{}} }

// keys reads the household keys of a row. For sheets about households (livestock, land, …) a
// 身份证号/姓名 column without 户主 is the head's; for person lists it is the person's.
func (x *rowCtx) keys(personList bool) linkKeys {
	k := linkKeys{no: x.householdNo(), headName: x.personName("head_name"), village: x.str("village")}
	if c, ok := x.col("household_no"); ok {
		k.column = c.Header
	}
	if x.has("head_id") {
		k.headID = x.idNumber("head_id")
		if k.column == "" {
			c, _ := x.col("head_id")
			k.column = c.Header
		}
	}
	if personList {
		return k
	}
	if !x.has("head_id") && x.has("id_number") {
		k.headID = x.idNumber("id_number")
		k.personID = k.headID
		if k.column == "" {
			c, _ := x.col("id_number")
			k.column = c.Header
		}
	}
	if !x.has("head_name") && k.headName == "" {
		k.headName = x.personName("name")
	}
	if k.column == "" {
		if c, ok := x.col("head_name"); ok {
			k.column = c.Header
		} else if c, ok := x.col("name"); ok {
			k.column = c.Header
		}
	}
	return k
}

func (r *reader) link(kind string, idx int, k linkKeys, ref calc.Ref, required bool) {
	r.links = append(r.links, pendingLink{kind: kind, idx: idx, keys: k, ref: ref, required: required})
}

// join sets the Household of every record read from a non-household sheet.
func (r *reader) join() {
	in := &r.led.Inputs
	byNo, byHeadID, byNameVillage := map[string]string{}, map[string]string{}, map[string]string{}
	byName := map[string][]string{}
	for i, e := range r.holds.entries {
		id := in.Households[i].ID
		if e.no != "" {
			byNo[e.no] = id
		}
		if e.headID != "" {
			byHeadID[e.headID] = id
		}
		if e.headName != "" {
			byNameVillage[e.headName+"\x00"+e.village] = id
			byName[e.headName] = append(byName[e.headName], id)
		}
	}
	haveHouseholds := len(in.Households) > 0
	for _, l := range r.links {
		k := l.keys
		id := ""
		switch {
		case k.no != "" && byNo[k.no] != "":
			id = byNo[k.no]
		case k.headID != "" && byHeadID[k.headID] != "":
			id = byHeadID[k.headID]
		case k.personID != "" && r.persons[k.personID] != "":
			id = r.persons[k.personID]
		case k.headName != "" && byNameVillage[k.headName+"\x00"+k.village] != "":
			id = byNameVillage[k.headName+"\x00"+k.village]
		case k.headName != "" && k.village == "" && len(byName[k.headName]) == 1:
			id = byName[k.headName][0]
		}
		if id == "" && !haveHouseholds {
			id = k.fallback()
		}
		if id == "" && haveHouseholds && (l.required || !k.empty()) {
			r.errorf(l.ref.Sheet, l.ref.Row, k.column, false, "%s", notFoundMessage(k))
		}
		if id == "" && haveHouseholds {
			id = k.fallback()
		}
		r.setHousehold(l, id)
	}
	// A laborer without an ID number is the rules' person 户编号/姓名 (calc.PersonSubject): so
	// must be what was paid to them, or a payment would never meet its subsidy.
	for _, pp := range r.personPays {
		if l := &in.Laborers[pp.laborer]; l.Household != "" {
			in.Payments[pp.pay].Subject = calc.PersonSubject(l.Household, l.Name, l.IDNumber)
		}
	}
	for _, pp := range r.projectPays {
		in.Payments[pp.pay].Subject = in.Projects[pp.project].Household
	}
}

// personPay ties a payment to the laborer row it was read from.
type personPay struct{ pay, laborer int }

// projectPay ties a payment to the project row it was read from.
type projectPay struct{ pay, project int }

func notFoundMessage(k linkKeys) string {
	var what []string
	if k.no != "" {
		what = append(what, "户编号"+k.no)
	}
	if k.headID != "" {
		what = append(what, "身份证号"+maskKey(k.headID))
	}
	if k.headName != "" && k.no == "" && k.headID == "" {
		n := "户主" + k.headName
		if k.village != "" {
			n = k.village + n
		}
		what = append(what, n)
	}
	if len(what) == 0 {
		return "缺少户编号或户主身份证号，无法对应到家庭台账中的户"
	}
	return "在家庭台账中找不到这一户（" + strings.Join(what, "，") + "），请核对"
}

func (r *reader) setHousehold(l pendingLink, id string) {
	in := &r.led.Inputs
	switch l.kind {
	case KindLivestock:
		in.Livestock[l.idx].Household = id
	case KindLand:
		in.Land[l.idx].Household = id
	case KindLaborers:
		in.Laborers[l.idx].Household = id
	case KindProjects:
		in.Projects[l.idx].Household = id
	case KindPosts:
		in.Posts[l.idx].Household = id
	case KindDibao:
		in.Dibao[l.idx].Household = id
	case KindInsurance:
		in.Insurance[l.idx].Household = id
	case KindFilial:
		in.Filial[l.idx].Household = id
	case "payment":
		if id != "" {
			in.Payments[l.idx].Subject = id
		}
	}
}

// ruleOfPaid says which rule a 已发放 column pays, from its header; "" when it does not say.
func ruleOfPaid(header string) string {
	switch {
	case strings.Contains(header, "犊牛"):
		return "calf_sale"
	case strings.Contains(header, "羔羊"):
		return "lamb_sale"
	case strings.Contains(header, "稳岗"):
		return "stable_job"
	case strings.Contains(header, "灵活"):
		return "flexible_job"
	case strings.Contains(header, "交通"):
		return "transport"
	case strings.Contains(header, "吸纳"):
		return "absorption"
	case strings.Contains(header, "承包"):
		return "land_contract"
	case strings.Contains(header, "托管") || strings.Contains(header, "代耕") || strings.Contains(header, "流转"):
		return "land_entrust"
	}
	return ""
}
