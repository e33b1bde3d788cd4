package ledger

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// tcol is one column of a blank standard ledger.
type tcol struct {
	head    string   // header text, one of the reader's synonyms (config/synonyms.yaml)
	note    string   // the header's comment: what to enter
	example any      // the filled example row's value
	list    []string // drop-down values
	text    bool     // text cell format (IDs, phone numbers, codes)
}

var (
	yesNoList      = []string{"是", "否"}
	categoryList   = []string{calc.CategoryLifted, calc.CategoryMonitored, calc.CategoryOrdinary}
	monitorList    = []string{calc.CategoryUnstable, calc.CategoryEdge, calc.CategorySudden}
	laborList      = []string{"有劳动能力", "弱劳力", "半劳力", "无劳动能力"}
	lostWhyList    = []string{"因病", "因年龄"}
	jobList        = []string{"稳定就业", "灵活就业", "公益岗位", "未就业"}
	speciesList    = []string{"牛", "羊"}
	landKindList   = []string{"承包他人耕地", "代耕代种", "托管", "流转"}
	landModeList   = []string{"代耕代种", "托管", "流转"}
	projectList    = []string{"养殖", "种植", "庭院经济", "光伏"}
	causeList      = []string{"因病", "因学", "因灾", "因疫"}
	arrangeList    = []string{"托管", "代养", "代耕", "代种", "无"}
	measureDoneLst = []string{"已落实", "未落实"}
)

// Columns shared by the household-keyed ledgers.
var (
	tSeq   = tcol{head: "序号", note: "从1开始顺序编号", example: 1}
	tHHNo  = tcol{head: "户编号", note: "与家庭收入台账的户编号一致，各台账按此关联；没有户编号时填户主身份证号", example: "150422101001", text: true}
	tHead  = tcol{head: "户主姓名", note: "户主姓名", example: "王建国"}
	tPaid  = tcol{head: "已发放", note: "本年已发放的该项补贴金额（元），未发放填0", example: 0}
	tCnty  = tcol{head: "旗县区", note: "旗县区名称，如巴林左旗", example: "巴林左旗"}
	tTown  = tcol{head: "苏木乡镇", note: "苏木乡镇名称", example: "林东镇"}
	tVill  = tcol{head: "行政村", note: "嘎查村名称", example: "红旗村"}
	tName  = tcol{head: "姓名", note: "本人姓名", example: "王建国"}
	tIDNo  = tcol{head: "身份证号", note: "18位身份证号，请按文本录入（不要存为数字，否则后3位会丢失）", example: "150422198003150012", text: true}
	tCadre = tcol{head: "帮扶责任人", note: "帮扶责任人姓名（提醒发给此人）", example: "李志强"}
)

// templateCols are the standard ledgers' columns per kind.
var templateCols = map[string][]tcol{
	KindHouseholds: {tSeq, tCnty, tTown, tVill, tHHNo, tHead,
		{head: "户主身份证号", note: "18位身份证号，按文本录入", example: "150422198003150012", text: true},
		{head: "联系电话", note: "户联系电话，按文本录入", example: "13800000000", text: true},
		{head: "户类型", note: "脱贫户 / 监测户 / 一般农户", example: "脱贫户", list: categoryList},
		{head: "监测对象类型", note: "监测户填：脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户", example: "", list: monitorList},
		{head: "家庭人口", note: "家庭人口数（人）", example: 4},
		{head: "劳动能力", note: "家中最强劳动力的劳动能力", example: "有劳动能力", list: laborList},
		{head: "丧失劳动能力原因", note: "有成员丧失劳动能力时填：因病 / 因年龄", example: "", list: lostWhyList},
		{head: "上年人均纯收入", note: "上一年度家庭人均纯收入（元），倒推算的基数", example: 12000},
		{head: "本年累计工资性收入", note: "本年1月至本季度末累计，家庭合计（元）：务工收入、公益岗位工资等", example: 18000},
		{head: "本年累计生产经营性收入", note: "本年累计，家庭合计（元）：种植、养殖等", example: 9000},
		{head: "本年累计财产性收入", note: "本年累计，家庭合计（元）：分红、土地流转、光伏收益等", example: 1200},
		{head: "本年累计转移性收入", note: "本年累计，家庭合计（元）：低保金、养老金、生态补贴等", example: 3600},
		{head: "本年累计生产经营性支出", note: "本年累计，家庭合计（元）", example: 4000},
		{head: "合规自付支出", note: "本年合规自付医疗、教育、灾害等刚性支出（元）", example: 0},
		{head: "是否有增收项目", note: "是否有庭院经济、光伏等增收项目", example: "是", list: yesNoList},
		tCadre,
		{head: "帮扶责任人电话", note: "按文本录入", example: "13900000000", text: true},
		{head: "帮扶措施", note: "已安排的帮扶措施，如务工就业、发展养殖", example: "发展养殖"},
		{head: "措施是否落实", note: "已落实 / 未落实", example: "已落实", list: measureDoneLst},
	},
	KindLivestock: {tSeq, tHHNo, tHead,
		{head: "畜种", note: "牛 / 羊", example: "牛", list: speciesList},
		{head: "年初存栏", note: "1月1日存栏数（头、只）", example: 6},
		{head: "能繁母畜", note: "能繁母畜（受孕）数", example: 3},
		{head: "出生", note: "本年出生数", example: 3},
		{head: "购入", note: "本年购入（更新、引进）数", example: 0},
		{head: "出售", note: "本年出售（出栏）总数，含犊牛羔羊", example: 4},
		{head: "出售犊牛羔羊", note: "其中出售的犊牛或羔羊数：每头犊牛奖补200元、每只羔羊50元，每户每年最高1000元", example: 2},
		{head: "死淘", note: "本年死亡淘汰数", example: 0},
		{head: "存栏", note: "当前存栏数 = 年初存栏 + 出生 + 购入 − 出售 − 死淘", example: 5},
		tPaid,
	},
	KindLand: {tSeq, tHHNo, tHead,
		{head: "土地类型", note: "承包他人耕地 / 代耕代种 / 托管 / 流转", example: "承包他人耕地", list: landKindList},
		{head: "面积", note: "面积（亩）", example: 10},
		{head: "作物是否出售", note: "承包他人耕地：所种作物是否已出售（出售后每亩奖补50元，最高1000元）", example: "是", list: yesNoList},
		{head: "是否签订合同", note: "代耕代种、托管、流转：是否签订合同", example: "", list: yesNoList},
		{head: "经营方式", note: "代耕代种 / 托管 / 流转", example: "", list: landModeList},
		{head: "丧失劳动能力原因", note: "托管土地的成员丧失劳动能力的原因：因病 / 因年龄", example: "", list: lostWhyList},
		tPaid,
	},
	KindLaborers: {tSeq, tHHNo, tName, tIDNo,
		{head: "就业类型", note: "稳定就业 / 灵活就业 / 公益岗位 / 未就业", example: "稳定就业", list: jobList},
		{head: "务工单位", note: "用工单位名称", example: "赤峰某建筑公司"},
		{head: "务工地点", note: "务工所在地（省市）", example: "北京市"},
		{head: "是否跨省", note: "是否在内蒙古自治区以外务工", example: "是", list: yesNoList},
		{head: "务工时长", note: "本年稳定就业月数（月）", example: 6},
		{head: "月工资", note: "月工资（元）", example: 4500},
		{head: "灵活就业天数", note: "县内灵活就业累计天数", example: ""},
		{head: "是否县内", note: "灵活就业是否在县内", example: "", list: yesNoList},
		{head: "是否失业", note: "目前是否失业", example: "否", list: yesNoList},
		{head: "是否返乡", note: "是否返乡", example: "否", list: yesNoList},
		{head: "务工意愿", note: "是否有外出务工意愿", example: "是", list: yesNoList},
		{head: "就业帮扶措施", note: "已提供的就业帮扶：推荐岗位、技能培训等", example: ""},
		{head: "是否公益岗位", note: "是否公益岗位人员（不享受稳岗补贴）", example: "否", list: yesNoList},
		tPaid,
	},
	KindProjects: {tSeq, tHHNo, tHead,
		{head: "项目名称", note: "到户帮扶产业项目名称", example: "肉牛养殖"},
		{head: "项目类型", note: "养殖 / 种植 / 庭院经济 / 光伏", example: "养殖", list: projectList},
		{head: "到户项目资金", note: "项目资金总额（元）", example: 20000},
		{head: "补助资金", note: "衔接资金补助（元）：不超过资金的70%、每人7000元、每户20000元", example: 14000},
		{head: "是否衔接资金", note: "是否使用扶贫或衔接资金", example: "是", list: yesNoList},
		{head: "是否已出售", note: "项目形成的牲畜或作物是否已全部出售", example: "否", list: yesNoList},
		{head: "托管代养", note: "无劳动能力户的托管、代养、代耕安排", example: "无", list: arrangeList},
		{head: "是否庭院经济", note: "是否庭院经济项目（以奖代补）", example: "否", list: yesNoList},
		{head: "奖补已发放", note: "庭院经济奖补已发放金额（元）", example: 0},
	},
	KindEntities: {tSeq, tCnty, tTown, tVill,
		{head: "经营主体名称", note: "合作社、企业、帮扶车间名称", example: "红旗村肉牛养殖合作社"},
		{head: "项目名称", note: "经营性帮扶项目名称", example: "肉牛育肥"},
		{head: "财政资金支持", note: "是否有财政资金或帮扶资金支持", example: "是", list: yesNoList},
		{head: "联农带农方式", note: "订单生产、托养托管、产品代销、保护价收购、吸纳就业、资产入股，可填多项，用顿号分隔", example: "吸纳就业、资产入股"},
		tCadre,
	},
	KindEmployers: {tSeq, tCnty,
		{head: "经营主体名称", note: "申请吸纳就业奖补的经营主体", example: "红旗村肉牛养殖合作社"},
		tName, tIDNo,
		{head: "是否签订劳动协议", note: "是否依法签订劳动协议", example: "是", list: yesNoList},
		{head: "务工时长", note: "稳定就业月数（月）", example: 6},
		{head: "月工资", note: "月工资（元）", example: 2500},
		{head: "已享受月数", note: "已按月享受吸纳就业奖补的月数", example: 0},
		{head: "已享受一次性奖补", note: "本年是否已享受一次性奖补", example: "否", list: yesNoList},
		{head: "申请时间", note: "申请日期，如2026-09-30", example: "2026-09-30"},
		tPaid,
	},
	KindRelief: {tSeq, tCnty,
		{head: "项目名称", note: "以工代赈项目名称", example: "红旗村道路硬化"},
		{head: "年度", note: "项目年度", example: 2026},
		{head: "项目资金总额", note: "项目资金总额（元）", example: 1000000},
		{head: "劳务报酬", note: "发放劳务报酬总额（元），应不低于项目资金的30%", example: 320000},
		{head: "脱贫人口劳务报酬", note: "其中发给脱贫人口的劳务报酬（元），应不低于劳务报酬的30%", example: 100000},
		{head: "是否衔接资金", note: "是否衔接资金支持", example: "是", list: yesNoList},
	},
	KindPosts: {tSeq, tCnty, tTown, tVill, tHHNo, tName, tIDNo,
		{head: "岗位名称", note: "公益岗位名称", example: "护林员"},
		{head: "月工资", note: "本年月工资（元）", example: 1200},
		{head: "上年月工资", note: "上年月工资（元）：本年增幅应不低于最低工资标准的涨幅", example: 1100},
	},
	KindDibao: {tSeq, tHHNo, tHead,
		{head: "渐退期满时间", note: "低保渐退期满日期，如2026-06-30", example: "2026-06-30"},
		{head: "是否复核评估", note: "渐退期满后是否已复核评估", example: "否", list: yesNoList},
	},
	KindInsurance: {tSeq, tHHNo, tHead,
		{head: "支出原因", note: "因病 / 因学 / 因灾 / 因疫", example: "因病", list: causeList},
		{head: "支出金额", note: "合规自付金额（元）", example: 15000},
		{head: "是否申请理赔", note: "是否已申请防贫保险理赔", example: "否", list: yesNoList},
	},
	KindFilial: {tSeq, tHHNo, tHead,
		{head: "资产收益分红", note: "本年资产收益分红（元）", example: 800},
		{head: "临时救助", note: "本年临时救助（元）", example: 500},
		{head: "社会救助", note: "本年社会救助（元）", example: 1200},
		{head: "孝扶资金", note: "儿女本年提供的孝扶资金（元），应不低于上述三项之和的0.8倍（各旗县可定0.8–1.5倍）", example: 2000},
	},
}

// TemplateKinds lists the kinds WriteTemplates knows, in the order of the seed.
var TemplateKinds = []string{KindHouseholds, KindLivestock, KindLand, KindLaborers, KindProjects, KindEntities,
	KindEmployers, KindRelief, KindPosts, KindDibao, KindInsurance, KindFilial}

// templateRows is how many rows carry the drop-downs and the text format.
const templateRows = 1000

// TemplateFileName is the file name of a kind's blank ledger: "households_家庭收入台账.xlsx".
func TemplateFileName(kind string) string {
	return kind + "_" + strings.ReplaceAll(KindNames[kind], "/", "") + ".xlsx"
}

// WriteTemplates writes blank standard ledgers into dir and returns their paths. kind is one
// of TemplateKinds, or "all" (or "") for one workbook per kind — one file per ledger, because
// cadres keep and send each ledger separately. Each workbook has a title row, a note row, one
// header row whose texts are the reader's synonyms (so Read recognizes the kind at once), a
// comment on every header cell explaining the column, drop-down lists (户类型, 是/否, 就业类型,
// 劳动能力, 畜种, 土地类型, …) and text format for IDs over 1,000 rows, frozen headers, and one
// filled example row (row 4) to be overwritten.
func WriteTemplates(kind, dir string) ([]string, error) {
	kinds := []string{kind}
	if kind == "" || kind == "all" {
		kinds = TemplateKinds
	}
	var paths []string
	for _, k := range kinds {
		if _, ok := templateCols[k]; !ok {
			return paths, fmt.Errorf("template: unknown kind %q (want one of %s or all)", k, strings.Join(TemplateKinds, ", "))
		}
		p := filepath.Join(dir, TemplateFileName(k))
		if err := writeTemplate(k, p); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeTemplate(kind, path string) error {
	cols := templateCols[kind]
	f := excelize.NewFile()
	defer f.Close()
	sh := KindNames[kind]
	sh = strings.ReplaceAll(sh, "/", "、")
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return fmt.Errorf("template %s: %w", kind, err)
	}
	var err error
	try := func(e error) {
		if err == nil && e != nil {
			err = e
		}
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	note, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "595959"}})
	header, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
			{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1}}})
	example, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "808080", Italic: true}})
	exampleText, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "808080", Italic: true}, NumFmt: 49})
	textFmt, _ := f.NewStyle(&excelize.Style{NumFmt: 49})

	try(f.SetCellStr(sh, "A1", "××旗县区××苏木乡镇"+KindNames[kind]+"（标准模板）"))
	try(f.MergeCell(sh, "A1", last+"1"))
	try(f.SetCellStyle(sh, "A1", "A1", title))
	try(f.SetCellStr(sh, "A2", "填表说明：第4行为填写示例，请直接覆盖或删除；金额单位为元，面积单位为亩；带下拉箭头的列请从列表中选择；将鼠标停在表头上可查看各列说明。"))
	try(f.SetCellStyle(sh, "A2", "A2", note))
	try(f.SetRowHeight(sh, 3, 30))
	for i, c := range cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		hc := col + "3"
		try(f.SetCellStr(sh, hc, c.head))
		try(f.AddComment(sh, excelize.Comment{Cell: hc, Author: commentAuthor, Paragraph: []excelize.RichTextRun{{Text: c.note}}}))
		width := float64(len([]rune(c.head)))*2.2 + 2
		if c.text {
			width = 21
		}
		try(f.SetColWidth(sh, col, col, max(width, 8)))
		rng := fmt.Sprintf("%s4:%s%d", col, col, templateRows+3)
		if c.text {
			try(f.SetCellStyle(sh, col+"4", fmt.Sprintf("%s%d", col, templateRows+3), textFmt))
		}
		if len(c.list) > 0 {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = rng
			try(dv.SetDropList(c.list))
			dv.SetError(excelize.DataValidationErrorStyleWarning, "请从列表中选择", "可选："+strings.Join(c.list, "、"))
			try(f.AddDataValidation(sh, dv))
		}
		ec := col + "4"
		switch v := c.example.(type) {
		case string:
			if v != "" {
				try(f.SetCellStr(sh, ec, v))
			}
		case nil:
		default:
			try(f.SetCellValue(sh, ec, v))
		}
		if c.text {
			try(f.SetCellStyle(sh, ec, ec, exampleText))
		} else {
			try(f.SetCellStyle(sh, ec, ec, example))
		}
	}
	try(f.SetCellStyle(sh, "A3", last+"3", header))
	try(f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A4", ActiveCell: "A4", Pane: "bottomLeft"}}}))
	try(f.AutoFilter(sh, "A3:"+last+"4", nil))
	if err != nil {
		return fmt.Errorf("template %s: %w", kind, err)
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("template %s: %w", kind, err)
	}
	if _, err := f.WriteTo(out); err != nil {
		out.Close()
		return fmt.Errorf("template %s: %w", kind, err)
	}
	return out.Close()
}
