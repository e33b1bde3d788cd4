package calc

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Basis says where a parameter's value comes from.
const (
	BasisSeed    = "seed"    // quoted from the seed document
	BasisDefault = "default" // our reading where the seed is open; an admin may change it
	BasisData    = "data"    // a public figure, dated, with its source
	// BasisConfig: set by the admin in the configuration (file or environment), replacing the
	// seed's, our default or the public figure: a finding's audit trail says so.
	BasisConfig = "config"
)

// Dated is one value of a parameter with the dates it is in force: [From, Until).
type Dated[T any] struct {
	From   time.Time `json:"from,omitzero"`  // zero: since always
	Until  time.Time `json:"until,omitzero"` // exclusive; zero: open-ended
	Value  T         `json:"value"`
	Source string    `json:"source,omitempty"` // where a public figure comes from
}

// In reports whether d falls within [From, Until).
func (v Dated[T]) In(d time.Time) bool {
	return (v.From.IsZero() || !d.Before(v.From)) && (v.Until.IsZero() || d.Before(v.Until))
}

// Param is one policy parameter: its config key, the clause it implements, and its dated
// values, with optional per-county overrides (旗县区 name → dated values).
type Param[T any] struct {
	Key      string                `json:"key"`    // config key under policy:, e.g. "industry.calf_per_head"
	Clause   string                `json:"clause"` // "（三）"
	Basis    string                `json:"basis"`  // seed | default | data
	Title    string                `json:"title"`  // Chinese name, e.g. "每出售一头犊牛奖补"
	Values   []Dated[T]            `json:"values"`
	Counties map[string][]Dated[T] `json:"counties,omitempty"`
	// Configured: the values the admin's configuration set, by county ("" for the general
	// values); their Used and the policy listing give BasisConfig instead of Basis.
	Configured map[string]bool `json:"configured,omitempty"`
}

// Used records a parameter value a rule used, for the Finding's explanation and audit.
type Used struct {
	Key    string `json:"key"`
	Clause string `json:"clause"`
	Value  string `json:"value"`
	From   string `json:"from,omitempty"`
	Until  string `json:"until,omitempty"`
	County string `json:"county,omitempty"`
	Source string `json:"source,omitempty"`
	Basis  string `json:"basis,omitempty"`
	Stale  bool   `json:"stale,omitempty"` // the latest earlier value was used: none is set for the date
}

func (p Param[T]) values(county string) ([]Dated[T], string) {
	if vs, ok := p.Counties[county]; ok && county != "" && len(vs) > 0 {
		return vs, county
	}
	return p.Values, ""
}

func (p Param[T]) used(v Dated[T], county string, stale bool) Used {
	return Used{Key: p.Key, Clause: p.Clause, Value: fmt.Sprint(v.Value), From: DateText(v.From),
		Until: DateText(v.Until), County: county, Source: v.Source, Basis: p.BasisOf(county), Stale: stale}
}

// BasisOf is where the values for county ("" for the general ones) come from: BasisConfig when
// the admin's configuration set them, else Basis.
func (p Param[T]) BasisOf(county string) string {
	if p.Configured[county] {
		return BasisConfig
	}
	return p.Basis
}

// At returns the value in force on date d for county (the county's override if it has one).
func (p Param[T]) At(county string, d time.Time) (T, Used, bool) {
	vs, c := p.values(county)
	for _, v := range vs {
		if v.In(d) {
			return v.Value, p.used(v, c, false), true
		}
	}
	var zero T
	return zero, Used{Key: p.Key, Clause: p.Clause, County: c}, false
}

// Latest is At, but when no value covers d it falls back to the latest value that started
// before d and marks it Stale (for figures such as local income growth that an admin fills in
// each year).
func (p Param[T]) Latest(county string, d time.Time) (T, Used, bool) {
	if v, u, ok := p.At(county, d); ok {
		return v, u, true
	}
	vs, c := p.values(county)
	best := -1
	for i, v := range vs {
		if !v.From.After(d) && (best < 0 || v.From.After(vs[best].From)) {
			best = i
		}
	}
	if best < 0 {
		var zero T
		return zero, Used{Key: p.Key, Clause: p.Clause, County: c}, false
	}
	return vs[best].Value, p.used(vs[best], c, true), true
}

// Value returns the value in force on d, or the zero value; for parameters that always have a
// value (checked by config validation).
func (p Param[T]) Value(county string, d time.Time) (T, Used) {
	v, u, _ := p.At(county, d)
	return v, u
}

// Const is a Param with one value in force always; a helper for defaults and tests.
func Const[T any](key, clause, basis, title string, v T) Param[T] {
	return Param[T]{Key: key, Clause: clause, Basis: basis, Title: title, Values: []Dated[T]{{Value: v}}}
}

// Shares is the cumulative share of a year's income earned by the end of each quarter.
type Shares [4]Rate

func (s Shares) String() string {
	return fmt.Sprintf("%s/%s/%s/%s", s[0], s[1], s[2], s[3])
}

// TierWages is the monthly minimum wage of 内蒙古's tiers 一类, 二类, 三类 (index 0, 1, 2).
type TierWages [3]Fen

func (w TierWages) String() string {
	return fmt.Sprintf("一类%s/二类%s/三类%s", w[0].Text(), w[1].Text(), w[2].Text())
}

// Tier returns the wage of tier t (1..3), or 0.
func (w TierWages) Tier(t int) Fen {
	if t < 1 || t > 3 {
		return 0
	}
	return w[t-1]
}

// Awards maps a project type (小种植, 小养殖, 光伏, …) to an award amount.
type Awards map[string]Fen

func (a Awards) String() string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + a[k].Text()
	}
	return strings.Join(parts, ",")
}

// PricePoint is an admin-entered commodity price (元 per unit) on a date, for （二）.
type PricePoint struct {
	Date  time.Time `json:"date"`
	Price Fen       `json:"price"`
}

// Cap bases for industry subsidies (clause 三: "按户或者按人落实").
const (
	CapPerHousehold = "household"
	CapPerPerson    = "person"
)

// Policy is every parameter of the seed that the rules use. config builds it (defaults, the
// YAML file, per-county overrides) and validates it; calc never holds a policy number itself.
type Policy struct {
	Region      string   `json:"region"`       // 赤峰市: the region local income growth is taken from by default
	Counties    []string `json:"counties"`     // the known 旗县区
	KeyCounties []string `json:"key_counties"` // 国家乡村振兴重点帮扶县 (data)

	// （一） income monitoring
	LocalIncomeGrowth Param[Rate]   `json:"local_income_growth"` // by year; county overrides
	MonitoringLine    Param[Fen]    `json:"monitoring_line"`     // per capita per year, by year
	FlatTolerance     Param[Rate]   `json:"flat_tolerance"`
	QuarterShare      Param[Shares] `json:"quarter_share"`
	TrendQuarters     Param[int]    `json:"trend_quarters"`

	// （二） scale risk
	ScaleMonitoredShare Param[Rate]             `json:"scale_monitored_share"` // monitored households ≥ this share of a unit
	PriceDrop           Param[Rate]             `json:"price_drop"`            // commodity price fell ≥ this year on year
	PriceDependShare    Param[Rate]             `json:"price_depend_share"`    // … while ≥ this share of households depend on it
	ReturnedShare       Param[Rate]             `json:"returned_share"`        // 返乡/失业 ≥ this share of laborers
	RigidShare          Param[Rate]             `json:"rigid_share"`           // rigid spending ≥ this share of family net income
	RigidAmount         Param[Fen]              `json:"rigid_amount"`          // … or ≥ this amount
	Prices              map[string][]PricePoint `json:"prices,omitempty"`      // commodity (牛, 羊, 玉米) → price series

	// （三） industry subsidies
	CalfPerHead       Param[Fen]    `json:"calf_per_head"`
	CalfCap           Param[Fen]    `json:"calf_cap"`
	LambPerHead       Param[Fen]    `json:"lamb_per_head"`
	LambCap           Param[Fen]    `json:"lamb_cap"`
	LandContractPerMu Param[Fen]    `json:"land_contract_per_mu"`
	LandContractCap   Param[Fen]    `json:"land_contract_cap"`
	LandEntrustPerMu  Param[Fen]    `json:"land_entrust_per_mu"`
	LandEntrustCap    Param[Fen]    `json:"land_entrust_cap"`
	CapBasis          Param[string] `json:"cap_basis"` // household | person, per county

	// （五） courtyard economy
	CourtyardAwards Param[Awards] `json:"courtyard_awards"`

	// （六） household project funding cap
	ProjectShare        Param[Rate] `json:"project_share"`         // 70%
	ProjectPerPerson    Param[Fen]  `json:"project_per_person"`    // 7000
	ProjectPerHousehold Param[Fen]  `json:"project_per_household"` // 20000

	// （九）（十一） minimum wage
	MinWage     Param[TierWages] `json:"min_wage"`      // dated
	MinWageTier Param[int]       `json:"min_wage_tier"` // per county: 1, 2 or 3

	// （十） job subsidies
	StableMinMonths  Param[int]  `json:"stable_min_months"`  // 3
	StableShare      Param[Rate] `json:"stable_share"`       // 30% of 3 months' wages
	StableWageMonths Param[int]  `json:"stable_wage_months"` // 3
	StableCap        Param[Fen]  `json:"stable_cap"`         // 3000
	FlexibleMinDays  Param[int]  `json:"flexible_min_days"`  // 100
	FlexibleCap      Param[Fen]  `json:"flexible_cap"`       // 1000
	Transport        Param[Fen]  `json:"transport"`          // 300

	// （十一） absorption awards
	AbsorptionMinHires  Param[int]  `json:"absorption_min_hires"`  // 5
	AbsorptionMinMonths Param[int]  `json:"absorption_min_months"` // 6
	AbsorptionMonths    Param[int]  `json:"absorption_months"`     // 3
	AbsorptionShare     Param[Rate] `json:"absorption_share"`      // 30%

	// （十二） work-for-relief
	ReliefLaborShare Param[Rate] `json:"relief_labor_share"` // 30%
	ReliefPoorShare  Param[Rate] `json:"relief_poor_share"`  // 30%
	ReliefPerCounty  Param[int]  `json:"relief_per_county"`  // 1

	// （十五） filial support
	FilialRatio      Param[Rate] `json:"filial_ratio"`       // 0.8..1.5, per county
	FilialIncomeLine Param[Fen]  `json:"filial_income_line"` // 收入较低: per capita below this; unset → monitoring line

	// tasks and （十六）–（十八）
	TaskDueQuarters    Param[int]  `json:"task_due_quarters"`    // due at the end of the quarter this many after the period
	LaggingCompletion  Param[Rate] `json:"lagging_completion"`   // a unit below this completion lags
	LaggingOverdueDays Param[int]  `json:"lagging_overdue_days"` // … or has tasks overdue more than this
}

// HasCounty reports whether name is a known 旗县区.
func (p *Policy) HasCounty(name string) bool {
	for _, c := range p.Counties {
		if c == name {
			return true
		}
	}
	return false
}
