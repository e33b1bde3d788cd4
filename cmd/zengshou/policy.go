package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"zengshou/calc"
	"zengshou/config"
)

func init() {
	register(command{
		name:  "policy",
		usage: "[--date YYYY-MM-DD] [--county 旗县区] [--json] [--config FILE]  列出规则和现行政策参数 / rules and parameters in force",
		run: func(ctx context.Context, args []string) error {
			return runPolicy(os.Stdout, os.Stderr, args)
		},
	})
}

// policyReport is the JSON form of `zengshou policy --json`.
type policyReport struct {
	Document   string              `json:"document"`
	Date       string              `json:"date"`
	County     string              `json:"county,omitempty"`
	Region     string              `json:"region"`
	Counties   []string            `json:"counties"`
	Rules      []calc.RuleInfo     `json:"rules"`
	Parameters []config.ParamValue `json:"parameters"`
}

const seedDocument = "赤峰市委乡村振兴工作领导小组办公室《关于促进脱贫人口持续增收若干措施》（赤党乡振组办发〔2023〕1号）"

var basisText = map[string]string{
	calc.BasisSeed:    "原文 seed",
	calc.BasisDefault: "默认 default",
	calc.BasisData:    "数据 data",
	calc.BasisConfig:  "配置 config",
}

func runPolicy(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("policy", stderr)
	date := fs.String("date", "", "日期（默认今天，北京时间） / date `YYYY-MM-DD` (default today, Asia/Shanghai)")
	county := fs.String("county", "", "只看该旗县区的取值 / the values of county `NAME` only")
	asJSON := fs.Bool("json", false, "输出 JSON / print JSON")
	file := fs.String("config", "", "配置文件（默认环境变量 ZENGSHOU_CONFIG，都没有时用内置默认值） / config `FILE` (default $ZENGSHOU_CONFIG, else the built-in defaults)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("多余的参数 / unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}

	d := today()
	if *date != "" {
		t, err := time.Parse("2006-01-02", *date)
		if err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("--date %q：日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", *date)}
		}
		d = t
	}
	cfg, err := config.Load(*file)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			printProblems(stderr, ce)
			return &exitError{code: 1}
		}
		return &exitError{code: 1, msg: fmt.Sprintf("配置文件无法读取 / cannot read config: %v", err)}
	}
	pol := cfg.Policy
	if *county != "" && !pol.HasCounty(*county) {
		return &exitError{code: 2, msg: fmt.Sprintf("--county %q：未知的旗县区，可选 / unknown county, one of: %s", *county, strings.Join(pol.Counties, "、"))}
	}

	rep := policyReport{
		Document:   seedDocument,
		Date:       calc.DateText(d),
		County:     *county,
		Region:     pol.Region,
		Counties:   pol.Counties,
		Rules:      calc.Rules,
		Parameters: config.InForce(pol, *county, d),
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write policy: %w", err)
		}
		return nil
	}
	writePolicyText(stdout, rep)
	return nil
}

// today is the date in Asia/Shanghai, as calc writes dates (midnight UTC).
func today() time.Time {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	n := time.Now().In(loc)
	return calc.Day(n.Year(), n.Month(), n.Day())
}

func writePolicyText(w io.Writer, rep policyReport) {
	county := rep.County
	if county == "" {
		county = "全部 all"
	}
	fmt.Fprintf(w, "依据 / source: %s\n", rep.Document)
	fmt.Fprintf(w, "日期 date: %s    旗县区 county: %s    地区 region: %s\n\n", rep.Date, county, rep.Region)

	fmt.Fprintf(w, "规则 / rules (%d)\n", len(rep.Rules))
	for _, r := range rep.Rules {
		fmt.Fprintf(w, "  %s  %s  %s [%s]\n", r.Clause, r.ID, r.Title, r.Kind)
	}

	fmt.Fprintf(w, "\n参数 / parameters in force on %s (%d)\n", rep.Date, len(rep.Parameters))
	for _, p := range rep.Parameters {
		head := fmt.Sprintf("  %s  %s  %s", p.Clause, p.Key, p.Title)
		if p.County != "" {
			head += "  〔" + p.County + "〕"
		}
		fmt.Fprintln(w, head)
		val := p.Value
		switch {
		case val == "":
			val = "未设置 (not set)"
		case p.Unit == config.UnitYuan && !strings.Contains(val, "元"):
			val += " 元"
		case p.Unit == config.UnitRate:
			if r, err := calc.ParseRate(val); err == nil {
				val += "（" + r.Percent() + "）"
			}
		}
		line := fmt.Sprintf("      = %s  [%s]", val, basisText[p.Basis])
		switch {
		case p.From != "" && p.Until != "":
			line += fmt.Sprintf("  %s 至 %s", p.From, p.Until)
		case p.From != "":
			line += fmt.Sprintf("  %s 起", p.From)
		case p.Until != "":
			line += fmt.Sprintf("  至 %s", p.Until)
		}
		if p.Stale {
			line += "  （当日无取值，此为最近一期 / no value for this date: the latest earlier one）"
		}
		fmt.Fprintln(w, line)
		if p.Source != "" {
			fmt.Fprintf(w, "      来源 source: %s\n", p.Source)
		}
	}
}
