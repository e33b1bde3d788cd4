package config

import (
	"time"

	"zengshou/calc"
)

// Sources of the public figures shipped as defaults (research/policy-domain.md §2.1, §3).
const (
	srcChifengGrowth2024 = "赤峰市2025年政府工作报告：农村牧区常住居民人均可支配收入增长7.5%左右（预计值）"
	srcIMGrowth2022      = "内蒙古年鉴2023卷：2022年内蒙古农村牧区常住居民人均可支配收入19641元，增长7.1%（未找到赤峰市数值，暂用自治区数值）"
	srcIMGrowth2023      = "内蒙古自治区统计局：2023年农村牧区常住居民人均可支配收入21221元，比2022年19641元增长约8.0%（未找到赤峰市数值，暂用自治区数值）"
	srcMonitoringLine    = "国家防止返贫监测范围：2021年为家庭年人均纯收入6000元"
	srcMinWage2021       = "内蒙古自治区人民政府：2021年12月1日起月最低工资标准 一类1980元、二类1910元、三类1850元"
	srcMinWage2024       = "内蒙古自治区人力资源和社会保障厅：2024年12月1日起月最低工资标准 一类2270元、二类2200元、三类2140元"
	srcMinWageTier       = "内蒙古最低工资标准地区类别：红山区、元宝山区、松山区为二类，赤峰市其余旗县为三类"
)

// ChifengCounties are 赤峰市's 12 旗县区.
var ChifengCounties = []string{"红山区", "元宝山区", "松山区", "阿鲁科尔沁旗", "巴林左旗", "巴林右旗",
	"林西县", "克什克腾旗", "翁牛特旗", "喀喇沁旗", "宁城县", "敖汉旗"}

func day(y int, m time.Month, d int) time.Time { return calc.Day(y, m, d) }

func yuan(y int64) calc.Fen { return calc.Yuan(y) }

func rate(s string) calc.Rate {
	r, err := calc.ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// DefaultPolicy is the policy as shipped: every number quoted from the seed (basis seed), our
// reading where the seed is open (basis default) and public figures with their source and dates
// (basis data). See POLICY.md. The config file overrides any of it.
func DefaultPolicy() *calc.Policy {
	seed, def, data := calc.BasisSeed, calc.BasisDefault, calc.BasisData
	tiers := map[string][]calc.Dated[int]{}
	for _, c := range ChifengCounties {
		t := 3
		if c == "红山区" || c == "元宝山区" || c == "松山区" {
			t = 2
		}
		tiers[c] = []calc.Dated[int]{{Value: t, Source: srcMinWageTier}}
	}
	return &calc.Policy{
		Region:      "赤峰市",
		Counties:    append([]string(nil), ChifengCounties...),
		KeyCounties: []string{"巴林左旗"},

		LocalIncomeGrowth: calc.Param[calc.Rate]{Key: "income.local_growth", Clause: "（一）", Basis: data,
			Title: "当地农牧民收入增速（农村牧区常住居民人均可支配收入增速）",
			Values: []calc.Dated[calc.Rate]{
				{From: day(2022, 1, 1), Until: day(2023, 1, 1), Value: rate("0.071"), Source: srcIMGrowth2022},
				{From: day(2023, 1, 1), Until: day(2024, 1, 1), Value: rate("0.080"), Source: srcIMGrowth2023},
				{From: day(2024, 1, 1), Until: day(2025, 1, 1), Value: rate("0.075"), Source: srcChifengGrowth2024},
			}},
		MonitoringLine: calc.Param[calc.Fen]{Key: "income.monitoring_line", Clause: "（一）", Basis: data,
			Title: "防返贫监测收入标准（年人均纯收入）",
			Values: []calc.Dated[calc.Fen]{
				{From: day(2021, 1, 1), Until: day(2022, 1, 1), Value: yuan(6000), Source: srcMonitoringLine},
			}},
		FlatTolerance: calc.Const("income.flat_tolerance", "（一）", def, "收入持平容差（增速绝对值不超过此值为持平）", rate("0.01")),
		QuarterShare: calc.Const("income.quarter_share", "（一）", def, "倒推算各季度末累计收入占全年比例",
			calc.Shares{rate("0.20"), rate("0.45"), rate("0.70"), rate("1")}),
		TrendQuarters: calc.Const("income.trend_quarters", "（一）", def, "连续几个季度增速下降视为有收入下降趋势", 2),

		ScaleMonitoredShare: calc.Const("scale.monitored_share", "（二）", def, "单位内纳入增收监测户占比预警线", rate("0.20")),
		PriceDrop:           calc.Const("scale.price_drop", "（二）", def, "大宗农副产品价格同比下跌预警线", rate("0.10")),
		PriceDependShare:    calc.Const("scale.price_depend_share", "（二）", def, "依赖该产品的户占比预警线", rate("0.30")),
		ReturnedShare:       calc.Const("scale.returned_share", "（二）", def, "返乡/失业劳动力占比预警线", rate("0.15")),
		RigidShare:          calc.Const("scale.rigid_share", "（二）", def, "刚性支出占家庭纯收入比例预警线", rate("0.50")),
		RigidAmount:         calc.Const("scale.rigid_amount", "（二）", def, "刚性支出金额预警线", yuan(10000)),

		CalfPerHead:       calc.Const("industry.calf_per_head", "（三）", seed, "每出售一头犊牛奖补", yuan(200)),
		CalfCap:           calc.Const("industry.calf_cap", "（三）", seed, "出售犊牛奖补上限", yuan(1000)),
		LambPerHead:       calc.Const("industry.lamb_per_head", "（三）", seed, "每出售一只羔羊奖补", yuan(50)),
		LambCap:           calc.Const("industry.lamb_cap", "（三）", seed, "出售羔羊奖补上限", yuan(1000)),
		LandContractPerMu: calc.Const("industry.land_contract_per_mu", "（三）", seed, "承包他人耕地每亩奖补", yuan(50)),
		LandContractCap:   calc.Const("industry.land_contract_cap", "（三）", seed, "承包耕地奖补上限", yuan(1000)),
		LandEntrustPerMu:  calc.Const("industry.land_entrust_per_mu", "（三）", seed, "代耕代种/土地流转每亩补贴", yuan(50)),
		LandEntrustCap:    calc.Const("industry.land_entrust_cap", "（三）", seed, "代耕代种/土地流转补贴上限", yuan(1000)),
		CapBasis:          calc.Const("industry.cap_basis", "（三）", def, "产业发展类补贴上限按户(household)或按人(person)", calc.CapPerHousehold),

		CourtyardAwards: calc.Const("courtyard.awards", "（五）", def, "庭院经济以奖代补金额（按项目类型，种子文件未定）", calc.Awards{}),

		ProjectShare:        calc.Const("project.share", "（六）", seed, "补助资金占到户项目资金比例上限", rate("0.70")),
		ProjectPerPerson:    calc.Const("project.per_person", "（六）", seed, "到户项目补助每人上限", yuan(7000)),
		ProjectPerHousehold: calc.Const("project.per_household", "（六）", seed, "到户项目补助每户上限", yuan(20000)),

		MinWage: calc.Param[calc.TierWages]{Key: "wage.min_wage", Clause: "（九）（十一）", Basis: data, Title: "内蒙古月最低工资标准",
			Values: []calc.Dated[calc.TierWages]{
				{From: day(2021, 12, 1), Until: day(2024, 12, 1), Value: calc.TierWages{yuan(1980), yuan(1910), yuan(1850)}, Source: srcMinWage2021},
				{From: day(2024, 12, 1), Value: calc.TierWages{yuan(2270), yuan(2200), yuan(2140)}, Source: srcMinWage2024},
			}},
		MinWageTier: calc.Param[int]{Key: "wage.tier", Clause: "（九）（十一）", Basis: data, Title: "旗县区最低工资地区类别", Counties: tiers},

		StableMinMonths:  calc.Const("job.stable_min_months", "（十）", seed, "稳定就业月数（3个月以上，含3个月）", 3),
		StableShare:      calc.Const("job.stable_share", "（十）", seed, "稳岗劳务补贴占3个月工资总额比例上限", rate("0.30")),
		StableWageMonths: calc.Const("job.stable_wage_months", "（十）", seed, "稳岗劳务补贴计算工资月数", 3),
		StableCap:        calc.Const("job.stable_cap", "（十）", seed, "稳岗劳务补贴每人每年上限", yuan(3000)),
		FlexibleMinDays:  calc.Const("job.flexible_min_days", "（十）", seed, "县内灵活就业累计天数（100天以上）", 100),
		FlexibleCap:      calc.Const("job.flexible_cap", "（十）", seed, "灵活就业稳岗补贴每人每年上限", yuan(1000)),
		Transport:        calc.Const("job.transport", "（十）", seed, "跨自治区务工一次性交通补助", yuan(300)),

		AbsorptionMinHires:  calc.Const("absorption.min_hires", "（十一）", seed, "吸纳脱贫人口就业人数（5人以上，含5人）", 5),
		AbsorptionMinMonths: calc.Const("absorption.min_months", "（十一）", seed, "稳定就业月数（6个月以上）", 6),
		AbsorptionMonths:    calc.Const("absorption.months", "（十一）", seed, "奖补按最低工资计算的月数", 3),
		AbsorptionShare:     calc.Const("absorption.share", "（十一）", seed, "奖补占脱贫人口3个月工资总额比例上限", rate("0.30")),

		ReliefLaborShare: calc.Const("relief.labor_share", "（十二）", seed, "以工代赈劳务报酬占项目资金比例下限", rate("0.30")),
		ReliefPoorShare:  calc.Const("relief.poor_share", "（十二）", seed, "脱贫人口务工收入占劳务报酬比例下限", rate("0.30")),
		ReliefPerCounty:  calc.Const("relief.per_county", "（十二）", seed, "每旗县每年衔接资金以工代赈项目数下限", 1),

		FilialRatio:      calc.Const("filial.ratio", "（十五）", def, "孝扶资金倍数（0.8–1.5，按旗县区设置）", rate("0.8")),
		FilialIncomeLine: calc.Param[calc.Fen]{Key: "filial.income_line", Clause: "（十五）", Basis: def, Title: "收入较低标准（年人均纯收入；未设置时用防返贫监测收入标准）"},

		TaskDueQuarters:    calc.Const("tasks.due_quarters", "（一）", def, "待办期限（上传所在季度之后第几个季度末）", 1),
		LaggingCompletion:  calc.Const("lagging.completion", "（十六）–（十八）", def, "落实不力标准（完成率低于）", rate("0.60")),
		LaggingOverdueDays: calc.Const("lagging.overdue_days", "（十六）–（十八）", def, "落实不力标准（待办逾期超过天数）", 30),
	}
}
