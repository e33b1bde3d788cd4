package ledger

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"zengshou/calc"
)

var incomeFields = map[string]bool{
	"wage_income": true, "business_income": true, "property_income": true, "transfer_income": true,
	"business_cost": true, "net_income": true, "per_capita": true, "rigid_spending": true,
	"last_year_per_capita": true,
}

func isHeadRelation(rel string) bool {
	switch cleanText(rel) {
	case "户主", "本人", "本人(户主)", "户主本人":
		return true
	}
	return false
}

// household reads a row of a household sheet (one row per household, or a roster with one
// row per person aggregated by 户编号 / 户主身份证号).
func (x *rowCtx) household() bool {
	r, st := x.r, x.st
	in := &r.led.Inputs
	no := x.householdNo()
	headName := x.personName("head_name")
	headID := ""
	if x.has("head_id") {
		headID = x.idNumber("head_id")
	}
	village := x.str("village")
	var pid, name, rel string
	if st.person {
		name = x.personName("name")
		rel = x.str("relation")
		pid = x.idNumber("id_number")
		if name == "" && pid == "" && no == "" && headID == "" {
			return false
		}
	} else {
		if headID == "" && !x.has("head_id") {
			headID = x.idNumber("id_number")
		}
		if headName == "" && !x.has("head_name") {
			headName = x.personName("name")
		}
	}
	isHead := st.person && isHeadRelation(rel)
	key := no
	if key == "" {
		key = headID
	}
	if key == "" && st.person {
		switch {
		case isHead && pid != "":
			key = pid
		case isHead:
			key = name + "/" + village + fmt.Sprintf("#%d", x.row)
		default:
			key = st.lastKey
		}
	}
	if key == "" && headName != "" {
		key = headName + "/" + village
	}
	if key == "" {
		r.errorf(st.info.Name, x.row, "", false, "缺少户编号、户主身份证号和户主姓名，无法识别是哪一户，本行未计入")
		return false
	}
	st.lastKey = key
	idx, exists := r.holds.byKey[key]
	if exists && !(st.person && r.holds.entries[idx].sheet == st.info.Name) {
		prev := in.Households[idx].Ref
		r.errorf(st.info.Name, x.row, "", false, "这一户（%s）在“%s”第%d行已出现，本行未计入", maskKey(key), prev.Sheet, prev.Row)
		return false
	}
	if !exists {
		in.Households = append(in.Households, calc.Household{Ref: x.ref(), ID: key})
		idx = len(in.Households) - 1
		r.holds.byKey[key] = idx
		r.holds.entries = append(r.holds.entries, holdEntry{no: no, headID: headID, sheet: st.info.Name})
	}
	h := &in.Households[idx]
	e := &r.holds.entries[idx]
	e.rows++
	if st.person {
		if pid != "" {
			r.persons[pid] = key
		}
		if isHead {
			if h.Head == "" {
				h.Head = name
			}
			if h.HeadIDNumber == "" {
				h.HeadIDNumber = pid
			}
		}
	}
	if headName != "" && h.Head == "" {
		h.Head = headName
	}
	if headID != "" && h.HeadIDNumber == "" {
		h.HeadIDNumber = headID
	}
	e.headName, e.headID, e.village = h.Head, h.HeadIDNumber, village
	if e.no == "" {
		e.no = no
	}
	x.fillHousehold(h, e.rows == 1)
	if st.person && !x.has("household_size") {
		h.Members = e.rows
	}
	return true
}

func setIf(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// fillHousehold sets what the row says about the household (first row wins per field).
func (x *rowCtx) fillHousehold(h *calc.Household, first bool) {
	u := x.unit()
	setIf(&h.County, u.County)
	setIf(&h.Township, u.Township)
	setIf(&h.Village, u.Village)
	setIf(&h.Phone, x.str("phone"))
	if h.Category == "" || h.Category == calc.CategoryLifted || h.Category == calc.CategoryMonitored {
		for _, f := range []string{"monitor_type", "category"} {
			t := x.str(f)
			if t == "" {
				continue
			}
			cat := categoryOf(t)
			if cat == "" {
				c, _ := x.col(f)
				x.r.errorf(x.st.info.Name, x.row, c.Header, true, "‘%s’的值“%s”无法识别（应为脱贫户、脱贫不稳定户、边缘易致贫户、突发严重困难户、一般农户）", leafOf(c.Header), clipValue(t))
				continue
			}
			if h.Category == "" || cat != calc.CategoryLifted && cat != calc.CategoryOrdinary {
				h.Category = cat
			}
			break
		}
	}
	if l := laborOf(x.str("labor")); laborRank(l) > laborRank(h.Labor) {
		h.Labor = l
	}
	why := x.str("labor_lost_why")
	if why == "" && laborOf(x.str("labor")) == calc.LaborNone {
		t := x.str("labor")
		if strings.Contains(t, "病") || strings.Contains(t, "残") {
			why = "因病"
		} else if strings.Contains(t, "年龄") || strings.Contains(t, "老") {
			why = "因年龄"
		}
	}
	setIf(&h.LaborLostWhy, why)
	setIf(&h.Cadre, x.str("cadre"))
	setIf(&h.CadrePhone, x.str("cadre_phone"))
	setIf(&h.Measure, x.str("measure"))
	if x.has("measure_done") {
		if b, ok := x.boolean("measure_done"); ok && b {
			h.MeasureDone = true
		}
	} else if m := cleanText(h.Measure); strings.Contains(m, "已落实") || strings.Contains(m, "已完成") {
		h.MeasureDone = true
	}
	if x.flag("has_income_project") {
		h.HasIncomeProject = true
	}
	if x.has("household_size") && h.Members == 0 {
		c, _ := x.col("household_size")
		n, ok := x.countCol(c)
		switch {
		case ok && n > maxPlausibleMembers:
			// computed as written, but a typo (44 for 4) divides the income into a per-capita
			// figure that flags the household: the cadre is asked to check it
			h.Members = n
			x.r.errorf(x.st.info.Name, x.row, c.Header, true, "‘%s’为%d人，多于一般家庭，请核对（已按%d人计算人均收入）", leafOf(c.Header), n, n)
		case ok && n > 0:
			h.Members = n
		case ok && n == 0:
			x.r.errorf(x.st.info.Name, x.row, c.Header, false, "‘%s’为0，无法计算人均收入", leafOf(c.Header))
		case !ok && isEmptyMark(x.rawCol(c)) && first && !x.st.person && !x.formulaNoValue(c):
			// (a formula without a cached value is reported as such, not as blank)
			x.r.errorf(x.st.info.Name, x.row, c.Header, false, "‘%s’为空，无法计算人均收入", leafOf(c.Header))
		}
	}
	if !first && x.st.person {
		// a roster repeats household figures on member rows: the first row's stand
		return
	}
	x.incomes(h)
	x.paidColumns(func(rule string, amount calc.Fen, c Column) {
		x.payment(rule, h.ID, amount, c, linkKeys{}, false)
	}, "")
}

// setIncome sets the component of inc that an income column's field gives.
func setIncome(inc *calc.Income, field string, v calc.Fen) {
	switch field {
	case "wage_income":
		inc.Wage = v
	case "business_income":
		inc.Business = v
	case "property_income":
		inc.Property = v
	case "transfer_income":
		inc.Transfer = v
	case "business_cost":
		inc.BusinessCost = v
	case "net_income":
		inc.Net = &v
	case "per_capita":
		inc.PerCapita = &v
	}
}

// incomes reads the income columns of a household row.
func (x *rowCtx) incomes(h *calc.Household) {
	var lastQ [4]*calc.Fen
	var ytd calc.Income // this year's cumulative components (本年累计工资性收入…)
	ytdGiven := false
	for _, c := range x.st.cols {
		if !incomeFields[c.Field] {
			continue
		}
		v, ok := x.fenCol(c)
		if !ok {
			continue
		}
		if c.Field == "rigid_spending" {
			if c.Period != PeriodLastYear {
				h.RigidSpending += v
			}
			continue
		}
		if c.Period == PeriodLastYear {
			if c.Field == "last_year_per_capita" {
				if c.Quarter > 0 {
					lastQ[c.Quarter-1] = &v
				} else if h.LastYearPerCapita == nil {
					h.LastYearPerCapita = &v
				}
			}
			continue
		}
		if c.Field == "per_capita" && c.Period == PeriodYTD && c.Quarter == 0 {
			if h.YTDPerCapita == nil {
				h.YTDPerCapita = &v
			}
			continue
		}
		if c.Period == PeriodYTD && (c.Quarter == 0 || c.Quarter == x.r.quarter) && c.Field != "per_capita" {
			// a cumulative figure is the year's so far, not the quarter's own income
			ytdGiven = true
			setIncome(&ytd, c.Field, v)
			continue
		}
		q := c.Quarter
		if q == 0 {
			q = x.r.quarter
		}
		inc := h.Quarters[q-1]
		if inc == nil {
			inc = &calc.Income{}
			h.Quarters[q-1] = inc
		}
		setIncome(inc, c.Field, v)
	}
	if ytdGiven && h.YTDPerCapita == nil && h.Members > 0 {
		// cumulative components give the cumulative per-capita net income (calc's reading of
		// a quarter's components: 家庭纯收入, else the four incomes less 生产经营性支出), to the fen
		fam := ytd.Wage + ytd.Business + ytd.Property + ytd.Transfer - ytd.BusinessCost
		if ytd.Net != nil {
			fam = *ytd.Net
		}
		if pc, ok := roundRat(big.NewRat(int64(fam), int64(h.Members)), 1); ok {
			v := calc.Fen(pc)
			h.YTDPerCapita = &v
		}
	}
	// last year's quarterly per-capita figures give the household's own cumulative shares
	if lastQ[0] != nil && lastQ[1] != nil && lastQ[2] != nil && lastQ[3] != nil {
		total := *lastQ[0] + *lastQ[1] + *lastQ[2] + *lastQ[3]
		if total > 0 {
			var sh calc.Shares
			var cum calc.Fen
			for i := range 4 {
				cum += *lastQ[i]
				sh[i] = calc.Rate(new(big.Int).Quo(big.NewInt(int64(cum)*int64(calc.RateOne)), big.NewInt(int64(total))).Int64())
			}
			h.LastYearShares = &sh
			if h.LastYearPerCapita == nil {
				h.LastYearPerCapita = &total
			}
		}
	}
}

// paidColumns calls fn for every 已发放 column with a value; rule from the header, else def.
func (x *rowCtx) paidColumns(fn func(rule string, amount calc.Fen, c Column), def string) {
	x.paidCells(fn, def, "paid", "award_paid")
}

// paidCells is paidColumns over the columns of the given fields only.
func (x *rowCtx) paidCells(fn func(rule string, amount calc.Fen, c Column), def string, fields ...string) {
	for _, c := range x.st.cols {
		if !slices.Contains(fields, c.Field) {
			continue
		}
		v, ok := x.fenCol(c)
		if !ok {
			continue
		}
		if v < 0 {
			// a typing error, not money taken back: paid −300 made 未发放 more than was owed
			x.bad1(c, x.rawCol(c), verr("不能是负数"))
			continue
		}
		rule := ruleOfPaid(c.Header)
		if rule == "" {
			rule = def
		}
		if rule == "" && c.Species != "" {
			rule = map[string]string{calc.Cattle: "calf_sale", calc.Sheep: "lamb_sale"}[c.Species]
		}
		if rule == "" {
			continue
		}
		fn(rule, v, c)
	}
}

// payment records money already paid; with keys, the subject is resolved to the household.
func (x *rowCtx) payment(rule, subject string, amount calc.Fen, c Column, k linkKeys, link bool) {
	in := &x.r.led.Inputs
	in.Payments = append(in.Payments, calc.Payment{Ref: x.ref(), Subject: subject, Rule: rule, Amount: amount, Note: c.Header})
	if link {
		x.r.link("payment", len(in.Payments)-1, k, x.ref(), false)
	}
}

// maxPlausibleMembers is the largest 家庭人口 read without a note to check it.
const maxPlausibleMembers = 20

// livestock reads one household's row of a 牲畜台账: one record per species.
var speciesName = map[string]string{calc.Cattle: "牛", calc.Sheep: "羊"}

func (x *rowCtx) livestock() bool {
	r, st := x.r, x.st
	in := &r.led.Inputs
	k := x.keys(false)
	rowSpecies, named := "", false // named: the row says its species in 畜种
	if t := x.str("species"); t != "" {
		rowSpecies = speciesOf(t)
		named = rowSpecies != ""
		if rowSpecies == "" {
			c, _ := x.col("species")
			r.errorf(st.info.Name, x.row, c.Header, true, "‘%s’的值“%s”不是牛或羊，本行不计入犊牛/羔羊奖补", leafOf(c.Header), clipValue(t))
			return false
		}
	}
	if rowSpecies == "" {
		rowSpecies = speciesOf(st.info.Name)
	}
	recs := map[string]*calc.LivestockRecord{}
	var order []string
	missing := ""
	badSpecies := map[string]bool{}
	for _, c := range st.cols {
		if !livestockFields[c.Field] || c.Field == "paid" {
			continue
		}
		sp := c.Species
		if sp == "" {
			sp = rowSpecies
		}
		if named && sp != rowSpecies {
			// a 犊牛 column filled on a row whose 畜种 is 羊 (or the other way round): the number
			// is in the wrong column, not a second, stockless herd
			if n, ok, err := parseCount(x.rawCol(c)); err == nil && ok && n > 0 {
				r.errorf(st.info.Name, x.row, c.Header, false, "本行畜种是%s，但‘%s’是%s的列，填了%d，未计入；%s的数请填在%s的列中",
					speciesName[rowSpecies], leafOf(c.Header), speciesName[sp], n, speciesName[rowSpecies], speciesName[rowSpecies])
			}
			continue
		}
		before := x.bad
		x.bad = false
		n, ok := x.countCol(c)
		if x.bad {
			badSpecies[sp] = true // an unreadable count: the record would be wrong
		}
		x.bad = x.bad || before
		if !ok {
			continue
		}
		if sp == "" {
			missing = c.Header
			continue
		}
		rec := recs[sp]
		if rec == nil {
			rec = &calc.LivestockRecord{Ref: x.ref(), Species: sp}
			recs[sp] = rec
			order = append(order, sp)
		}
		switch c.Field {
		case "stock_start":
			rec.StockStart = n
		case "pregnant":
			rec.Pregnant = n
		case "born":
			rec.Born = n
		case "bought":
			rec.Bought = n
		case "sold":
			rec.Sold = n
		case "young_sold":
			rec.YoungSold = n
		case "died":
			rec.Died = n
		case "stock_end":
			n := n
			rec.StockEnd = &n
		}
	}
	if missing != "" && len(recs) == 0 {
		r.errorf(st.info.Name, x.row, missing, false, "无法判断是牛还是羊：请在‘畜种’列填写牛或羊")
		return false
	}
	kept := 0
	for _, sp := range order {
		if badSpecies[sp] {
			continue
		}
		kept++
		in.Livestock = append(in.Livestock, *recs[sp])
		r.link(KindLivestock, len(in.Livestock)-1, k, x.ref(), true)
	}
	if kept == 0 && len(order) > 0 {
		r.link("", -1, k, x.ref(), true) // the household must exist even when the row is not used
	}
	def := map[string]string{calc.Cattle: "calf_sale", calc.Sheep: "lamb_sale"}[rowSpecies]
	x.paidColumns(func(rule string, amount calc.Fen, c Column) {
		x.payment(rule, k.fallback(), amount, c, k, true)
	}, def)
	return len(order) > 0
}

// land reads one household's contracted or entrusted land.
func (x *rowCtx) land() bool {
	r, st := x.r, x.st
	in := &r.led.Inputs
	k := x.keys(false)
	base := calc.LandRecord{Ref: x.ref(), Mode: x.str("mode"), LostLaborWhy: x.str("labor_lost_why")}
	base.CropsSold = x.flag("crops_sold")
	base.ContractSigned = x.flag("contract_signed")
	var recs []calc.LandRecord
	if a, ok := x.area("contract_area"); ok && a > 0 {
		rec := base
		rec.Kind, rec.Area = calc.LandContract, a
		recs = append(recs, rec)
	}
	if a, ok := x.area("entrust_area"); ok && a > 0 {
		rec := base
		rec.Kind, rec.Area = calc.LandEntrust, a
		if rec.Mode == "" {
			c, _ := x.col("entrust_area")
			for _, m := range []string{"代耕代种", "托管", "流转", "代耕"} {
				if strings.Contains(c.Header, m) {
					rec.Mode = m
					break
				}
			}
		}
		recs = append(recs, rec)
	}
	if a, ok := x.area("area"); ok && a > 0 && len(recs) == 0 {
		t := x.str("land_kind") + x.str("mode")
		rec := base
		rec.Area = a
		switch {
		case strings.Contains(t, "托管") || strings.Contains(t, "代耕") || strings.Contains(t, "代种") || strings.Contains(t, "流转"):
			rec.Kind = calc.LandEntrust
			if rec.Mode == "" {
				rec.Mode = x.str("land_kind")
			}
		case strings.Contains(t, "承包"):
			rec.Kind = calc.LandContract
		case strings.Contains(st.info.Name, "托管") || strings.Contains(st.info.Name, "代耕") || strings.Contains(st.info.Name, "流转"):
			rec.Kind = calc.LandEntrust
		case strings.Contains(st.info.Name, "承包"):
			rec.Kind = calc.LandContract
		default:
			c, _ := x.col("area")
			r.errorf(st.info.Name, x.row, c.Header, false, "无法判断是承包他人耕地还是代耕代种/托管/流转：请填写‘土地类型’")
			return false
		}
		recs = append(recs, rec)
	}
	for _, rec := range recs {
		in.Land = append(in.Land, rec)
		r.link(KindLand, len(in.Land)-1, k, x.ref(), true)
	}
	def := ""
	if len(recs) == 1 {
		def = map[string]string{calc.LandContract: "land_contract", calc.LandEntrust: "land_entrust"}[recs[0].Kind]
	}
	x.paidColumns(func(rule string, amount calc.Fen, c Column) {
		x.payment(rule, k.fallback(), amount, c, k, true)
	}, def)
	return len(recs) > 0
}

var otherProvinces = []string{"北京", "天津", "河北", "山西", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "区外", "省外", "外省", "跨省", "跨区"}

// laborer reads one person of a 务工就业清单.
func (x *rowCtx) laborer() bool {
	r, st := x.r, x.st
	in := &r.led.Inputs
	name := x.personName("name")
	pid := x.idNumber("id_number")
	if name == "" && pid == "" {
		return false
	}
	if pid != "" {
		key := "laborer\x00" + pid
		if prev, dup := r.holds.byKey[key]; dup {
			ref := in.Laborers[prev].Ref
			c, _ := x.col("id_number")
			r.errorf(st.info.Name, x.row, c.Header, false, "此人（%s）在“%s”第%d行已出现，本行未计入", maskKey(pid), ref.Sheet, ref.Row)
			return false
		}
		r.holds.byKey[key] = len(in.Laborers)
	}
	l := calc.Laborer{Ref: x.ref(), Unit: x.unit(), Name: name, IDNumber: pid, Employer: x.str("employer")}
	jt := x.str("job_type")
	l.Job = jobOf(jt)
	if jt != "" && l.Job == "" {
		c, _ := x.col("job_type")
		r.errorf(st.info.Name, x.row, c.Header, true, "‘%s’的值“%s”无法识别（应为稳定就业、灵活就业、公益岗位或未就业）", leafOf(c.Header), clipValue(jt))
	}
	l.PostHolder = x.flag("post_holder") || l.Job == calc.JobPost
	if n, ok := x.count("months"); ok {
		l.StableMonths = n
	}
	if v, ok := x.fen("monthly_wage"); ok {
		l.MonthlyWage = v
	}
	if v, ok := x.fen("three_month_pay"); ok {
		l.ThreeMonthPay = &v
	}
	if n, ok := x.count("flexible_days"); ok {
		if c, _ := x.col("flexible_days"); n > 366 {
			// the days of one year: 1200 for 120 would earn the flexible-work subsidy
			x.bad1(c, x.rawCol(c), verr("超过一年的天数，请核对"))
		} else {
			l.FlexibleDays = n
		}
	}
	place := x.str("work_place")
	if b, ok := x.boolean("in_county"); ok {
		l.InCounty = b
	} else if strings.Contains(place, "县内") || strings.Contains(place, "本县") || strings.Contains(place, "本旗") || strings.Contains(place, "旗内") {
		l.InCounty = true
	}
	if b, ok := x.boolean("cross_region"); ok {
		l.OutsideRegion = b
	} else if place != "" && !strings.Contains(place, "内蒙古") {
		for _, p := range otherProvinces {
			if strings.Contains(place, p) {
				l.OutsideRegion = true
				break
			}
		}
	}
	l.Unemployed = x.flag("unemployed") || l.Job == calc.JobNone && strings.Contains(jt, "失业")
	l.Returned = x.flag("returned")
	l.WantsWork = x.flag("wants_work")
	l.HelpRecorded = x.str("help")
	if l.Job == calc.JobStable && l.FlexibleDays > 0 {
		l.AlsoFlexible = true
	}
	if l.Job == "" && l.StableMonths > 0 {
		l.Job = calc.JobStable
	}
	in.Laborers = append(in.Laborers, l)
	k := x.keys(true)
	k.personID = pid
	r.link(KindLaborers, len(in.Laborers)-1, k, x.ref(), false)
	subject := pid
	if subject == "" {
		subject = name
	}
	def := map[string]string{calc.JobStable: "stable_job", calc.JobFlexible: "flexible_job"}[l.Job]
	x.paidColumns(func(rule string, amount calc.Fen, c Column) {
		x.payment(rule, subject, amount, c, linkKeys{}, false)
		if pid == "" {
			r.personPays = append(r.personPays, personPay{pay: len(in.Payments) - 1, laborer: len(in.Laborers) - 1})
		}
	}, def)
	return true
}

// project reads one 到户帮扶项目.
func (x *rowCtx) project() bool {
	r := x.r
	in := &r.led.Inputs
	p := calc.HouseholdProject{Ref: x.ref(), Name: x.str("project_name"), Type: x.str("project_type")}
	p.Funds, _ = x.fen("funds")
	p.Subsidy, _ = x.fen("subsidy")
	p.PovertyFunded = x.textFlag("poverty_funded", "衔接", "扶贫", "财政", "帮扶")
	p.SoldOff = x.flag("sold_off")
	if a := x.str("arrangement"); a != "" {
		if b, present, err := parseBool(a); err != nil || present && b {
			p.Arrangement = a
		}
	}
	p.Courtyard = x.flag("courtyard") || strings.Contains(p.Type, "庭院") || strings.Contains(p.Name, "庭院")
	// A filled 奖补已发放 (庭院经济奖补) is a payment to the household under courtyard_award, stored
	// and corrected like every other 已发放 (blank: nothing recorded; 0: a recorded 0). The
	// project's AwardPaid stays 0: it is for JSON rows, and the same money must not count twice.
	// Only a 庭院经济 project's cell is the courtyard award; another project's is not read as paid.
	type cell struct {
		amount calc.Fen
		c      Column
	}
	var awards []cell
	x.paidCells(func(rule string, amount calc.Fen, c Column) {
		if rule == "courtyard_award" { // not a column that names another subsidy
			awards = append(awards, cell{amount, c})
		}
	}, "courtyard_award", "award_paid")
	if p.Name == "" && p.Type == "" && p.Funds == 0 && p.Subsidy == 0 {
		return false
	}
	in.Projects = append(in.Projects, p)
	r.link(KindProjects, len(in.Projects)-1, x.keys(false), x.ref(), true)
	if p.Courtyard {
		for _, a := range awards {
			// the subject is the project's household, once join has found it (projectPays)
			x.payment("courtyard_award", "", a.amount, a.c, linkKeys{}, false)
			r.projectPays = append(r.projectPays, projectPay{pay: len(in.Payments) - 1, project: len(in.Projects) - 1})
		}
	}
	return true
}

// entity reads one business entity's funded project.
func (x *rowCtx) entity() bool {
	in := &x.r.led.Inputs
	e := calc.BusinessEntity{Ref: x.ref(), Unit: x.unit(), Name: x.str("entity_name"), Project: x.str("project_name"), Cadre: x.str("cadre")}
	if e.Name == "" {
		return false
	}
	e.Funded = x.textFlag("poverty_funded", "财政", "帮扶", "衔接", "扶贫")
	e.Linkage = linkageOf(x.str("linkage"))
	in.Entities = append(in.Entities, e)
	return true
}

// linkageOf finds the 联农带农 modes named in a text.
func linkageOf(t string) []string {
	t = cleanText(t)
	var out []string
	for _, m := range calc.LinkageModes {
		if strings.Contains(t, m) || m == "托养托管" && (strings.Contains(t, "托养") || strings.Contains(t, "托管")) {
			out = append(out, m)
		}
	}
	return out
}

// employer reads one worker row of a 吸纳就业 sheet, grouped by the entity (whose name may be
// left blank or merged on the following rows).
func (x *rowCtx) employer() bool {
	r, st := x.r, x.st
	in := &r.led.Inputs
	name := x.str("entity_name")
	if name == "" {
		name = x.str("employer")
	}
	if name == "" {
		name = st.lastKey
	}
	if name == "" {
		r.errorf(st.info.Name, x.row, "", false, "缺少用工单位名称，本行未计入")
		return false
	}
	st.lastKey = name
	key := "employer\x00" + name
	idx, ok := r.holds.byKey[key]
	if !ok {
		in.Employers = append(in.Employers, calc.Employer{Ref: x.ref(), Unit: x.unit(), Name: name})
		idx = len(in.Employers) - 1
		r.holds.byKey[key] = idx
	}
	e := &in.Employers[idx]
	w := calc.Worker{Name: x.personName("name"), IDNumber: x.idNumber("id_number"), Agreement: x.flag("agreement")}
	if n, ok := x.count("months"); ok {
		w.Months = n
	}
	w.MonthlyWage, _ = x.fen("monthly_wage")
	if w.Name != "" || w.IDNumber != "" {
		e.Workers = append(e.Workers, w)
	}
	if n, ok := x.count("months_approved"); ok && n > e.MonthsApproved {
		e.MonthsApproved = n
	}
	if x.flag("one_time_taken") {
		e.OneTimeTaken = true
	}
	if t, ok := x.date("applied_on"); ok && e.AppliedOn.IsZero() {
		e.AppliedOn = t
	}
	// A filled 已发放 / 奖补已发放 is the entity's award paid this year: one payment to the entity
	// under absorption, stored and corrected like every other 已发放 (blank: nothing recorded; 0: a
	// recorded 0). The cell is often repeated, or merged, down the entity's worker rows, so the
	// largest stands, never a sum. e.AwardPaid stays 0: it is for JSON rows, and the same money
	// must not count twice.
	x.paidColumns(func(rule string, amount calc.Fen, c Column) {
		if rule != "absorption" {
			return // a column that names another subsidy
		}
		pkey := "employer paid\x00" + name
		if i, ok := r.holds.byKey[pkey]; ok {
			if amount > in.Payments[i].Amount {
				in.Payments[i].Amount, in.Payments[i].Ref, in.Payments[i].Note = amount, x.ref(), c.Header
			}
			return
		}
		x.payment("absorption", name, amount, c, linkKeys{}, false)
		r.holds.byKey[pkey] = len(in.Payments) - 1
	}, "absorption")
	setIf(&e.Cadre, x.str("cadre"))
	return true
}

// relief reads one 以工代赈 project.
func (x *rowCtx) relief() bool {
	in := &x.r.led.Inputs
	p := calc.ReliefProject{Ref: x.ref(), Unit: x.unit(), Name: x.str("project_name"), Year: x.r.opt.Period.Year}
	if p.Name == "" {
		return false
	}
	if y, ok := x.count("year"); ok && y > 1900 {
		p.Year = y
	}
	p.Funds, _ = x.fen("funds")
	p.LaborPay, _ = x.fen("labor_pay")
	p.PoorLaborPay, _ = x.fen("poor_labor_pay")
	p.LinkageFunded = x.textFlag("poverty_funded", "衔接")
	in.ReliefProjects = append(in.ReliefProjects, p)
	return true
}

// post reads one 公益岗位 holder.
func (x *rowCtx) post() bool {
	r := x.r
	in := &r.led.Inputs
	p := calc.WelfarePost{Ref: x.ref(), Unit: x.unit(), Name: x.personName("name"), IDNumber: x.idNumber("id_number"), Post: x.str("post")}
	if p.Name == "" && p.IDNumber == "" {
		return false
	}
	for _, c := range x.st.cols {
		if c.Field != "monthly_wage" {
			continue
		}
		v, ok := x.fenCol(c)
		if !ok {
			continue
		}
		if c.Period == PeriodLastYear {
			p.WageLastYear = v
		} else if p.WageThisYear == 0 {
			p.WageThisYear = v
		}
	}
	in.Posts = append(in.Posts, p)
	k := x.keys(true)
	k.personID = p.IDNumber
	r.link(KindPosts, len(in.Posts)-1, k, x.ref(), false)
	return true
}

func (x *rowCtx) dibao() bool {
	in := &x.r.led.Inputs
	d := calc.DibaoRecord{Ref: x.ref()}
	t, ok := x.date("phase_out_end")
	if !ok {
		return false
	}
	d.PhaseOutEnd = t
	d.Reviewed = x.flag("reviewed")
	in.Dibao = append(in.Dibao, d)
	x.r.link(KindDibao, len(in.Dibao)-1, x.keys(false), x.ref(), true)
	return true
}

func (x *rowCtx) insurance() bool {
	in := &x.r.led.Inputs
	e := calc.InsuranceEvent{Ref: x.ref(), Cause: x.str("cause")}
	amt, ok := x.fen("amount")
	if !ok {
		amt, ok = x.fen("rigid_spending")
	}
	if e.Cause == "" && !ok {
		return false
	}
	e.Amount = amt
	e.Claimed = x.flag("claimed")
	in.Insurance = append(in.Insurance, e)
	x.r.link(KindInsurance, len(in.Insurance)-1, x.keys(false), x.ref(), true)
	return true
}

func (x *rowCtx) filial() bool {
	in := &x.r.led.Inputs
	f := calc.FilialRecord{Ref: x.ref()}
	var any bool
	for _, p := range []struct {
		field string
		dst   *calc.Fen
	}{{"dividend", &f.Dividend}, {"temp_aid", &f.TempAid}, {"social_aid", &f.SocialAid}, {"filial", &f.Filial}} {
		if v, ok := x.fen(p.field); ok {
			*p.dst = v
			any = true
		}
	}
	if !any {
		return false
	}
	in.Filial = append(in.Filial, f)
	x.r.link(KindFilial, len(in.Filial)-1, x.keys(false), x.ref(), true)
	return true
}
