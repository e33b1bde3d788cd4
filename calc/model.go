package calc

import "time"

// Ref points at the ledger row a record was read from (1-based row number as Excel shows it).
// Records built by hand (the HTTP API, tests) may leave it empty.
type Ref struct {
	Sheet string `json:"sheet,omitempty"`
	Row   int    `json:"row,omitempty"`
}

// Unit is where a household or record belongs: 旗县区 / 苏木乡镇 / 嘎查村.
type Unit struct {
	County   string `json:"county,omitempty"`
	Township string `json:"township,omitempty"`
	Village  string `json:"village,omitempty"`
}

// Household categories (户类型 / 监测对象类型).
const (
	CategoryLifted    = "脱贫户"
	CategoryUnstable  = "脱贫不稳定户"
	CategoryEdge      = "边缘易致贫户"
	CategorySudden    = "突发严重困难户"
	CategoryMonitored = "监测户" // a monitored household whose sub-type the ledger does not give
	CategoryOrdinary  = "一般农户"
)

// Labor capacity (劳动能力).
const (
	LaborFull = "full" // 有劳动能力 / 普通劳动力 / 技能劳动力
	LaborWeak = "weak" // 弱劳力
	LaborHalf = "half" // 半劳力
	LaborNone = "none" // 丧失劳动能力 / 无劳动能力
)

// Income is one quarter's family income by component, in fen (family totals, not per capita).
// A ledger may give components, the net total, or only the per-capita figure: Net and PerCapita
// are set only when the ledger gives them.
type Income struct {
	Wage         Fen  `json:"wage"`                 // 工资性收入
	Business     Fen  `json:"business"`             // 生产经营性收入
	Property     Fen  `json:"property"`             // 财产性收入
	Transfer     Fen  `json:"transfer"`             // 转移性收入
	BusinessCost Fen  `json:"business_cost"`        // 生产经营性支出
	Net          *Fen `json:"net,omitempty"`        // 家庭纯收入, when given
	PerCapita    *Fen `json:"per_capita,omitempty"` // 人均纯收入, when given
}

// Household is one 脱贫户 or 监测对象 (from the income ledger, or joined from several sheets).
type Household struct {
	Ref
	Unit
	ID           string `json:"id"`   // 户编号, else 户主身份证号: the key other sheets join on
	Head         string `json:"head"` // 户主姓名 (masked before it reaches a group chat or a log)
	HeadIDNumber string `json:"head_id_number,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Category     string `json:"category"`                 // Category*
	Members      int    `json:"members"`                  // 家庭人口数 (0 = missing)
	Labor        string `json:"labor,omitempty"`          // Labor*: the household's best labor capacity
	LaborLostWhy string `json:"labor_lost_why,omitempty"` // 因病 / 因年龄 when a member lost labor capacity
	Cadre        string `json:"cadre,omitempty"`          // 帮扶责任人
	CadrePhone   string `json:"cadre_phone,omitempty"`
	Measure      string `json:"measure,omitempty"`      // 帮扶措施 recorded
	MeasureDone  bool   `json:"measure_done,omitempty"` // the measure is recorded as 已落实/完成

	// （一）: last year's per-capita net income (I0) and, where the ledger has them, last year's
	// own cumulative quarterly shares, which take precedence over the policy's quarter_share.
	LastYearPerCapita *Fen    `json:"last_year_per_capita,omitempty"`
	LastYearShares    *Shares `json:"last_year_shares,omitempty"`
	// This year's income by quarter (Quarters[0] = Q1). A nil quarter was not given.
	Quarters [4]*Income `json:"quarters"`
	// YTDPerCapita is this year's cumulative per-capita net income up to the period's quarter,
	// when the ledger gives only that figure (it takes precedence over Quarters).
	YTDPerCapita *Fen `json:"ytd_per_capita,omitempty"`

	// （二）: 合规自付医疗/教育/灾害支出 this year (family total).
	RigidSpending Fen `json:"rigid_spending,omitempty"`
	// （五）: the household has an income project (庭院经济, 光伏, …) recorded.
	HasIncomeProject bool `json:"has_income_project,omitempty"`
}

// Livestock species.
const (
	Cattle = "cattle" // 牛
	Sheep  = "sheep"  // 羊
)

// LivestockRecord is one household's row in the 牲畜动态监测台账 for one species, this year.
type LivestockRecord struct {
	Ref
	Household  string `json:"household"`
	Species    string `json:"species"`             // Cattle | Sheep
	StockStart int    `json:"stock_start"`         // 年初存栏
	Pregnant   int    `json:"pregnant"`            // 受孕 / 能繁母畜
	Born       int    `json:"born"`                // 生产 / 出生
	Bought     int    `json:"bought"`              // 更新 / 引进 / 购入
	Sold       int    `json:"sold"`                // 出售 / 出栏 (all ages)
	YoungSold  int    `json:"young_sold"`          // 出售犊牛 / 出售羔羊
	Died       int    `json:"died"`                // 死淘
	StockEnd   *int   `json:"stock_end,omitempty"` // 存栏 now, when given
}

// Land kinds.
const (
	LandContract = "contract" // 承包他人耕地 (beyond own land)
	LandEntrust  = "entrust"  // land of a member who lost labor capacity, farmed by 代耕代种/托管/流转
)

// LandRecord is one household's contracted or entrusted land this year.
type LandRecord struct {
	Ref
	Household      string `json:"household"`
	Kind           string `json:"kind"`                     // LandContract | LandEntrust
	Area           Area   `json:"area"`                     // 亩, in hundredths
	CropsSold      bool   `json:"crops_sold"`               // contract: 所种作物已出售
	ContractSigned bool   `json:"contract_signed"`          // entrust: 签订代耕托管/流转合同
	Mode           string `json:"mode,omitempty"`           // 代耕代种 / 托管 / 流转
	LostLaborWhy   string `json:"lost_labor_why,omitempty"` // entrust: 因病 / 因年龄
}

// Employment types (就业类型).
const (
	JobStable   = "stable"   // 稳定就业
	JobFlexible = "flexible" // 灵活就业
	JobPost     = "post"     // 公益岗位
	JobNone     = "none"     // 未就业
)

// Laborer is one person on the 务工就业清单 (clause 八) with this year's employment.
type Laborer struct {
	Ref
	Unit
	Household    string `json:"household"`
	Name         string `json:"name"`
	IDNumber     string `json:"id_number,omitempty"`
	Job          string `json:"job"` // Job*
	Employer     string `json:"employer,omitempty"`
	Unemployed   bool   `json:"unemployed,omitempty"`    // 失业
	Returned     bool   `json:"returned,omitempty"`      // 返乡
	WantsWork    bool   `json:"wants_work,omitempty"`    // 外出务工意愿
	HelpRecorded string `json:"help_recorded,omitempty"` // employment help recorded (推荐岗位, 培训, …)
	// （十）
	StableMonths  int  `json:"stable_months,omitempty"`   // months of stable employment this year
	MonthlyWage   Fen  `json:"monthly_wage,omitempty"`    // 月工资
	ThreeMonthPay *Fen `json:"three_month_pay,omitempty"` // 3个月工资总额, when given
	FlexibleDays  int  `json:"flexible_days,omitempty"`   // cumulative days of flexible work inside the county
	InCounty      bool `json:"in_county,omitempty"`       // the flexible work is inside the county
	OutsideRegion bool `json:"outside_region,omitempty"`  // 跨自治区 (outside Inner Mongolia) stable employment
	PostHolder    bool `json:"post_holder,omitempty"`     // holds a 公益岗位 (excluded from 稳岗补贴)
	AlsoFlexible  bool `json:"also_flexible,omitempty"`   // the ledger records flexible work as well as stable
}

// HouseholdProject is a 到户帮扶产业项目 (clauses 四, 五, 六).
type HouseholdProject struct {
	Ref
	Household     string `json:"household"`
	Name          string `json:"name"`
	Type          string `json:"type"`                  // 养殖 / 种植 / 庭院经济:小种植… / 光伏
	Funds         Fen    `json:"funds"`                 // 到户项目资金 (total)
	Subsidy       Fen    `json:"subsidy"`               // 衔接资金补助 recorded
	PovertyFunded bool   `json:"poverty_funded"`        // built with 扶贫资金 or 衔接资金
	SoldOff       bool   `json:"sold_off"`              // the livestock or crops were sold off (一卖了之)
	Arrangement   string `json:"arrangement,omitempty"` // 托管 / 代养 / 代耕 / 代种 arranged
	Courtyard     bool   `json:"courtyard,omitempty"`   // a 庭院经济 project (以奖代补)
	// AwardPaid is the 庭院经济 award paid, for records posted as JSON (the HTTP API). The
	// ledger reader leaves it 0 and records a filled 奖补已发放 cell as a Payment (rule
	// courtyard_award, subject the household), so that it is stored and corrected like every
	// other 已发放. It counts only when Inputs.Payments records nothing for the household under
	// courtyard_award (then the household's courtyard rows' AwardPaid add up): a payment on
	// record is the year's total and the same money, never added to it.
	AwardPaid Fen `json:"award_paid,omitempty"`
}

// Linkage modes of 联农带农 (clause 七).
var LinkageModes = []string{"订单生产", "托养托管", "产品代销", "保护价收购", "吸纳就业", "资产入股"}

// BusinessEntity is an operating project of a business entity funded by 财政/帮扶资金 (clause 七).
type BusinessEntity struct {
	Ref
	Unit
	Name    string   `json:"name"`
	Project string   `json:"project"`
	Funded  bool     `json:"funded"`  // 财政资金 or 帮扶资金 support
	Linkage []string `json:"linkage"` // LinkageModes recorded
	Cadre   string   `json:"cadre,omitempty"`
}

// Worker is one 脱贫人口 employed by an entity applying for an absorption award (clause 十一).
type Worker struct {
	Name        string `json:"name"`
	IDNumber    string `json:"id_number,omitempty"`
	Agreement   bool   `json:"agreement"`    // 依法签订劳动协议
	Months      int    `json:"months"`       // months of stable employment
	MonthlyWage Fen    `json:"monthly_wage"` //
}

// Employer is an entity applying for 吸纳就业奖补 this year (clause 十一).
type Employer struct {
	Ref
	Unit
	Name           string    `json:"name"`
	Workers        []Worker  `json:"workers"`
	MonthsApproved int       `json:"months_approved"`     // months already approved under monthly absorption awards
	OneTimeTaken   bool      `json:"one_time_taken"`      // a one-time award was already granted this year
	AppliedOn      time.Time `json:"applied_on,omitzero"` // the month whose minimum wage applies; zero: period end
	// AwardPaid is the 吸纳就业奖补 paid this year, for records posted as JSON (the HTTP API). The
	// ledger reader leaves it 0 and records a filled 已发放 / 奖补已发放 cell as a Payment (rule
	// absorption, subject Name), so that it is stored and corrected like every other 已发放. It
	// counts only when Inputs.Payments records nothing for Name under absorption (then the
	// largest AwardPaid of the entity's records): a payment on record is the year's total and the
	// same money, never added to it.
	AwardPaid Fen    `json:"award_paid,omitempty"`
	Cadre     string `json:"cadre,omitempty"`
}

// ReliefProject is a 以工代赈 project (clause 十二).
type ReliefProject struct {
	Ref
	Unit
	Name          string `json:"name"`
	Year          int    `json:"year"`
	Funds         Fen    `json:"funds"`          // 项目资金总额
	LaborPay      Fen    `json:"labor_pay"`      // 劳务报酬
	PoorLaborPay  Fen    `json:"poor_labor_pay"` // 脱贫人口务工收入
	LinkageFunded bool   `json:"linkage_funded"` // 衔接资金支持
}

// WelfarePost is a 公益岗位 holder's wage record (clause 九).
type WelfarePost struct {
	Ref
	Unit
	Household    string `json:"household,omitempty"`
	Name         string `json:"name"`
	IDNumber     string `json:"id_number,omitempty"`
	Post         string `json:"post,omitempty"`
	WageThisYear Fen    `json:"wage_this_year"` // monthly
	WageLastYear Fen    `json:"wage_last_year"` // monthly
}

// DibaoRecord is a household under 低保渐退 (clause 十三).
type DibaoRecord struct {
	Ref
	Household   string    `json:"household"`
	PhaseOutEnd time.Time `json:"phase_out_end"` // 渐退期满
	Reviewed    bool      `json:"reviewed"`      // 复核评估 recorded
}

// InsuranceEvent is a rigid-spending event (clause 十四).
type InsuranceEvent struct {
	Ref
	Household string `json:"household"`
	Cause     string `json:"cause"` // 因灾 / 因疫 / 因学 / 因病
	Amount    Fen    `json:"amount"`
	Claimed   bool   `json:"claimed"` // 防贫保险 claim recorded
}

// FilialRecord is a household's 孝扶 row (clause 十五).
type FilialRecord struct {
	Ref
	Household string `json:"household"`
	Dividend  Fen    `json:"dividend"`   // 资产收益分红
	TempAid   Fen    `json:"temp_aid"`   // 临时救助
	SocialAid Fen    `json:"social_aid"` // 社会救助
	Filial    Fen    `json:"filial"`     // 儿女孝扶资金 provided
}

// Payment is money already paid for a rule to a subject this year: from the ledger's 已发放
// columns, or from earlier uploads (the bot's store).
type Payment struct {
	Ref
	Subject string `json:"subject"` // household id, person id number or name, entity name
	Rule    string `json:"rule"`
	Amount  Fen    `json:"amount"`
	Note    string `json:"note,omitempty"` // e.g. "2026Q2 已发放"
}

// IncomePoint is a household's cumulative per-capita net income at the end of an earlier
// quarter, from an earlier upload (the bot's store), for 下降趋势 across uploads.
type IncomePoint struct {
	Household     string `json:"household"`
	Period        Period `json:"period"`
	YTDPerCapita  Fen    `json:"ytd_per_capita"`
	BasePerCapita Fen    `json:"base_per_capita"` // I0 used then
}

// TaskAge is an open task from earlier uploads (the bot's store), for 落实不力 (overdue tasks).
type TaskAge struct {
	ID   string    `json:"id"`
	Unit Unit      `json:"unit"`
	Due  time.Time `json:"due"`
}

// Inputs is everything one evaluation reads.
type Inputs struct {
	// AsOf is the date the ledger speaks for (upload date); zero means the period's end.
	AsOf time.Time `json:"as_of,omitzero"`

	Households     []Household        `json:"households"`
	Livestock      []LivestockRecord  `json:"livestock,omitempty"`
	Land           []LandRecord       `json:"land,omitempty"`
	Laborers       []Laborer          `json:"laborers,omitempty"`
	Projects       []HouseholdProject `json:"projects,omitempty"`
	Entities       []BusinessEntity   `json:"entities,omitempty"`
	Employers      []Employer         `json:"employers,omitempty"`
	ReliefProjects []ReliefProject    `json:"relief_projects,omitempty"`
	Posts          []WelfarePost      `json:"posts,omitempty"`
	Dibao          []DibaoRecord      `json:"dibao,omitempty"`
	Insurance      []InsuranceEvent   `json:"insurance,omitempty"`
	Filial         []FilialRecord     `json:"filial,omitempty"`
	Payments       []Payment          `json:"payments,omitempty"`

	PriorIncome []IncomePoint `json:"prior_income,omitempty"` // from the store
	OpenTasks   []TaskAge     `json:"open_tasks,omitempty"`   // from the store
	// Known are households of earlier uploads (from the store), for the records of the other
	// sheets whose household is not in Households: a 孝扶 or 到户项目 ledger sent without its
	// household ledger is checked against the 劳动能力, 家庭人口 and 类别 stored before. They are
	// looked up, never evaluated themselves (no income flags, no unit counts).
	Known []Household `json:"known,omitempty"`
}
