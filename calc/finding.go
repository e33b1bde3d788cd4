package calc

import "time"

// Kind is what a Finding gives.
type Kind string

const (
	KindFlag       Kind = "flag"       // a risk flag on a household or record
	KindAmount     Kind = "amount"     // money owed under a rule
	KindTask       Kind = "task"       // an unfinished measure (a Task is emitted too)
	KindData       Kind = "data"       // the data contradicts itself
	KindUnit       Kind = "unit"       // a unit-level warning for leaders
	KindSuggestion Kind = "suggestion" // a suggestion for the cadre's digest
)

// Input is one input a rule used, as shown to a cadre: {"出售犊牛", "4头"}.
type Input struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Finding is one result of one rule for one subject.
type Finding struct {
	Rule        string  `json:"rule"`   // rule id, as in POLICY.md
	Clause      string  `json:"clause"` // "（三）"
	Kind        Kind    `json:"kind"`
	Subject     string  `json:"subject"`                // household id, person id/name, entity, unit
	SubjectName string  `json:"subject_name,omitempty"` // household head, person or entity name (masked by the bot where needed)
	Household   string  `json:"household,omitempty"`    // household id, when the finding concerns a household
	Unit        Unit    `json:"unit"`
	Ref         Ref     `json:"ref"`
	Amount      *Fen    `json:"amount,omitempty"`    // owed (amount rules), excess, shortfall or gap
	Paid        *Fen    `json:"paid,omitempty"`      // already paid this year (amount rules)
	Monitored   bool    `json:"monitored,omitempty"` // puts the household under 增收监测
	Inputs      []Input `json:"inputs,omitempty"`
	Params      []Used  `json:"params,omitempty"`
	Cap         string  `json:"cap,omitempty"` // the cap that applied, e.g. "每户每年1000元"
	Explain     string  `json:"explain"`       // one Chinese line
}

// Task is an unfinished measure for a responsible cadre. ID is stable across uploads:
// the same rule for the same subject (and detail) gives the same ID.
type Task struct {
	ID          string    `json:"id"`
	Rule        string    `json:"rule"`
	Clause      string    `json:"clause"`
	Subject     string    `json:"subject"`
	SubjectName string    `json:"subject_name,omitempty"`
	Household   string    `json:"household,omitempty"`
	Unit        Unit      `json:"unit"`
	Ref         Ref       `json:"ref"`
	Cadre       string    `json:"cadre,omitempty"`
	Due         time.Time `json:"due"`
	Amount      *Fen      `json:"amount,omitempty"` // money at stake
	Explain     string    `json:"explain"`          // "依据《若干措施》（三）：出售犊牛4头，应享奖补800元，尚未发放"
}

// DataError is a cell or row the cadre must look at: sheet, row, column header and a plain
// Chinese message. Rules report contradictions (livestock_inconsistent, a missing 家庭人口数);
// the workbook reader reports unreadable cells.
type DataError struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
	Rule    string `json:"rule,omitempty"`
	Warning bool   `json:"warning,omitempty"` // processed anyway; worth a look
}

// Result is what one evaluation gives.
type Result struct {
	Period   Period        `json:"period"`
	Findings []Finding     `json:"findings"`
	Tasks    []Task        `json:"tasks"`
	Errors   []DataError   `json:"errors"`
	Warnings []string      `json:"warnings"` // policy-level: a parameter not set for the year, a stale figure
	Units    []UnitSummary `json:"units"`
}

// UnitSummary is one unit's figures for leaders (汇总 sheet, summaries, 两高于, 落实不力).
type UnitSummary struct {
	Level      string         `json:"level"` // county | township | village
	Unit       Unit           `json:"unit"`
	Households int            `json:"households"`
	Monitored  int            `json:"monitored"`
	Flags      map[string]int `json:"flags"` // rule id → count
	Owed       map[string]Fen `json:"owed"`  // rule id → owed this year
	Paid       map[string]Fen `json:"paid"`  // rule id → paid this year
	// Unpaid: rule id → Σ max(owed − paid, 0) over the unit's entitlements: what is still owed
	// (an overpaid household does not lower another's debt, so it is not Owed − Paid).
	Unpaid     map[string]Fen `json:"unpaid,omitempty"`
	OpenTasks  int            `json:"open_tasks"`
	DoneItems  int            `json:"done_items"` // measures found done (monitored households with a finished measure, fully paid entitlements)
	Overdue    int            `json:"overdue"`    // open tasks from earlier uploads overdue past lagging_overdue_days
	Completion Rate           `json:"completion"` // DoneItems / (DoneItems + OpenTasks); 1 when both are 0
	// 两高于: the unit's 脱贫人口 per-capita income growth against the local growth, and against
	// the city-wide (all inputs) growth. Growth is nil when no household had a base.
	Growth *Rate `json:"growth,omitempty"`
	// GrowthProj, GrowthBase: the sums behind Growth (Σ Â×m and Σ I0×m, in yuan to the fen; set
	// for a unit with households), so that a unit summed from villages uploaded one by one, and
	// the city, get their growth (display only: Growth itself is exact).
	GrowthProj  *Fen  `json:"growth_proj,omitempty"`
	GrowthBase  *Fen  `json:"growth_base,omitempty"`
	LocalGrowth *Rate `json:"local_growth,omitempty"`
	AboveLocal  bool  `json:"above_local"`
	AboveCity   bool  `json:"above_city"`
	Lagging     bool  `json:"lagging"` // 落实不力
}

// RuleInfo describes a rule id.
type RuleInfo struct {
	ID     string `json:"id"`
	Clause string `json:"clause"`
	Kind   Kind   `json:"kind"`
	Title  string `json:"title"` // Chinese
}

// Rules lists every rule id of POLICY.md with its clause, in the seed's order.
var Rules = []RuleInfo{
	{"income_decrease", "（一）", KindFlag, "收入同比减少"},
	{"income_flat", "（一）", KindFlag, "收入持平"},
	{"income_downtrend", "（一）", KindFlag, "有收入下降趋势"},
	{"income_below_local", "（一）", KindFlag, "收入增速低于当地农牧民收入增速"},
	{"below_monitoring_line", "（一）", KindFlag, "人均纯收入低于防返贫监测收入标准"},
	{"income_gap", "（一）", KindAmount, "本季度距增收目标（倒推算）差额"},
	{"measure_missing", "（一）", KindTask, "监测户未落实帮扶措施"},
	{"scale_risk", "（二）", KindUnit, "规模性减收隐患预警"},
	{"rigid_spending_risk", "（二）", KindFlag, "刚性支出骤增风险"},
	{"calf_sale", "（三）", KindAmount, "出售犊牛奖补"},
	{"lamb_sale", "（三）", KindAmount, "出售羔羊奖补"},
	{"land_contract", "（三）", KindAmount, "承包耕地种植奖补"},
	{"land_entrust", "（三）", KindAmount, "代耕代种/土地流转补贴"},
	{"livestock_inconsistent", "（三）", KindData, "牲畜台账数据前后不一致"},
	{"subsidy_unpaid", "（三）（十）", KindTask, "应享未享补贴"},
	{"project_lost", "（四）", KindTask, "到户帮扶产业一卖了之"},
	{"courtyard_suggestion", "（五）", KindSuggestion, "建议发展庭院经济"},
	{"courtyard_award", "（五）", KindAmount, "庭院经济以奖代补"}, // amount when courtyard.awards sets one for the project type (the seed sets none)
	{"project_over_cap", "（六）", KindFlag, "到户项目补助超上限"},
	{"no_linkage", "（七）", KindTask, "经营性帮扶项目未建立联农带农机制"},
	{"job_help_needed", "（八）", KindTask, "失业/返乡有务工意愿，需就业帮扶"},
	{"post_wage_lag", "（九）", KindFlag, "公益岗位工资增长低于最低工资涨幅"},
	{"stable_job", "（十）", KindAmount, "稳岗劳务补贴"},
	{"flexible_job", "（十）", KindAmount, "县内灵活就业稳岗补贴"},
	{"transport", "（十）", KindAmount, "跨自治区务工一次性交通补助"},
	{"absorption", "（十一）", KindAmount, "吸纳就业奖补"},
	{"absorption_duplicate", "（十一）", KindFlag, "吸纳就业奖补重复申请"},
	{"relief_labor_share", "（十二）", KindFlag, "以工代赈劳务报酬占比不足"},
	{"relief_poor_share", "（十二）", KindFlag, "以工代赈脱贫人口务工收入占比不足"},
	{"relief_county_count", "（十二）", KindUnit, "旗县以工代赈项目数不足"},
	{"dibao_review_due", "（十三）", KindTask, "低保渐退期满未复核评估"},
	{"insurance_claim_due", "（十四）", KindTask, "刚性支出事件未申请防贫保险理赔"},
	{"filial_short", "（十五）", KindFlag, "孝扶资金不足"},
	{"unit_lagging", "（十六）–（十八）", KindUnit, "落实不力单位"},
}

// RuleByID returns the rule with the given id.
func RuleByID(id string) (RuleInfo, bool) { return ruleByIDFast(id) }
