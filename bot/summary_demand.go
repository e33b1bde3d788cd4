package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"zengshou/calc"
	"zengshou/config"
	"zengshou/connectors"
)

// summaryCommand is 汇总 [单位]: 进度's text and, attached, the leaders' summary workbook of the
// unit, built from the store now exactly as the scheduled summary builds it (loadSummaryInputs,
// scoped, writeBook). Without a unit (or with 全市): the asker's unit when they are a leader in
// the roster, else the whole city.
//
// Anyone may ask, as anyone may ask 进度: the workbook holds the units' figures only (counts,
// money, completion, 两高于), no household and no person, which 进度 already gives to any chat;
// so it is the same file in a group and in a direct chat.
//
// The workbook is written in the job's folder while the command is answered, and the job keeps
// the result: a reply retried after a crash sends these same bytes under the same idempotency
// key (the platform, or the store's record of the parts sent, drops what was delivered), never
// a second workbook built from a store that has changed since.
func (s *Service) summaryCommand(ctx context.Context, ev *connectors.Event, arg, dir string) jobResult {
	cfg := s.Config()
	in, err := s.loadSummaryInputs(ctx)
	if err != nil {
		s.log.WithError(err).Warn("汇总: summary inputs")
		return jobResult{Kind: "reply", Text: "暂时无法生成汇总，请稍后再试。"}
	}
	var (
		text, name, note string
		inScope          func(calc.Unit) bool
		scope            config.Unit
		leader           bool
	)
	if arg == "全市" || arg == "全部" {
		arg = ""
	} else if arg == "" {
		scope, note, leader = s.leaderScope(ev)
	}
	switch {
	case arg != "":
		query := unitQuery(arg)
		inScope = func(u calc.Unit) bool { _, ok := namedLevel(query, u); return ok }
		text = s.progressText(ctx, arg) // a unit that matches nothing: “没有找到单位”, 汇总's examples below
		name = demandUnitName(query, in.units, inScope)
	case leader && scope != (config.Unit{}):
		inScope = func(u calc.Unit) bool { return covers(scope, u) }
		name = scopeName(scope)
		query := name
		if scope.Township == "" && scope.Village != "" { // 巴林左旗红旗村 is no name 进度 knows
			// The village's full name when the county has one village of that name: 红旗村 alone
			// named every 红旗村 of the city, another county's counted in the text's figures.
			query = scope.Village
			if v, ok := demandOneVillage(in.units, func(u calc.Unit) bool { return covers(scope, u) }); ok {
				query = unitName(v)
			}
		}
		text = s.progressText(ctx, query)
	default:
		inScope = func(calc.Unit) bool { return true }
		name = "全市"
		text = s.progressText(ctx, "")
	}
	text = summaryProgressText(text)
	units, tasks := in.scoped(inScope)
	if len(units) == 0 {
		if leader && scope != (config.Unit{}) { // the leader's own unit, as the scheduled summary says it
			return jobResult{Kind: "reply", Text: fmt.Sprintf("“%s”暂无已上传的台账数据，没有汇总工作簿。", name) + scopeNotFound(scope, in.units)}
		}
		if arg != "" && strings.HasPrefix(text, "没有找到单位") { // 进度's sentence with 汇总's examples
			text = unitNotFoundText(truncate(s.personMasker(ctx)(arg), 20), "汇总", "汇总 全市")
		}
		return jobResult{Kind: "reply", Text: text}
	}
	now := s.clock.Now().In(cfg.Reminders.Location())
	path := filepath.Join(dir, "汇总.xlsx")
	if err := in.writeBook(path, "demand", units, tasks, cfg, now); err != nil {
		s.log.WithError(err).Warn("汇总: workbook")
		return jobResult{Kind: "reply", Text: text + "\n汇总工作簿生成失败，请稍后再试。"}
	}
	text += fmt.Sprintf("\n"+summaryAttached+"%s"+summaryAttachedEnd, name) + note
	file := connectors.CleanFileName("汇总-" + name + "-" + now.Format("2006-01-02") + ".xlsx")
	return jobResult{Kind: "reply", Text: text, File: path, FileName: file, Book: bookSummary}
}

// summaryProgressText is 进度's text as 汇总 gives it: headed as its workbook is named (全市, not
// 进度's 全部单位), and its hint names 汇总, the command the reader is using.
func summaryProgressText(text string) string {
	if rest, ok := strings.CutPrefix(text, progressAllHead); ok {
		text = "全市进度：\n" + rest
	}
	return strings.Replace(text, progressHint("进度"), progressHint("汇总"), 1)
}

// The sentence of 汇总's reply that says the workbook is attached: “附件为林东镇的汇总工作簿（…）。”.
const (
	summaryAttached    = "附件为"
	summaryAttachedEnd = "的汇总工作簿（与领导定期收到的汇总相同，按当前数据生成）。"
)

// summaryTooLarge is 汇总's reply text when its workbook (mb MB) is above the platform's limit
// (limit MB): the sentence that says it is attached says why it is not, and how to get a smaller
// one (a smaller unit's). Not the ledger's advice: a summary is no ledger to split and send again.
func summaryTooLarge(text string, mb float64, limit int64) string {
	i := strings.LastIndex(text, "\n"+summaryAttached)
	if i < 0 {
		return text + fmt.Sprintf("\n注意：汇总工作簿（%.1f MB）超过平台的文件大小上限（%d MB），无法发送。", mb, limit)
	}
	rest := text[i+len("\n"+summaryAttached):]
	name, after, ok := strings.Cut(rest, summaryAttachedEnd)
	if !ok {
		return text
	}
	return text[:i] + fmt.Sprintf("\n注意：%s的汇总工作簿（%.1f MB）超过平台的文件大小上限（%d MB），无法发送：请发送“汇总 单位名”取更小范围（旗县区、苏木乡镇或嘎查村）的汇总。",
		name, mb, limit) + after
}

// leaderScope is the unit of the sender when they are a leader in the roster (leader); a leader
// of several units (in the roster once for each) gets the first, and note says how to ask for
// the others.
func (s *Service) leaderScope(ev *connectors.Event) (scope config.Unit, note string, leader bool) {
	n := 0
	for _, l := range s.Config().Roster.Leaders {
		if id := l.IDs[ev.Platform]; id == "" || id != ev.SenderID {
			continue
		}
		if n == 0 {
			scope, leader = l.Unit, true
		}
		n++
	}
	if n > 1 {
		note = "您在名册中负责多个单位，其他单位请发送“汇总 单位名”。"
	}
	return scope, note, leader
}

// demandUnitName names the unit 汇总 was asked for, for its workbook's file name: the full name
// of the one unit at the highest level the query names (红旗镇 → 巴林左旗红旗镇), or the query
// when it names several (two townships of one name).
func demandUnitName(query string, units []calc.UnitSummary, inScope func(calc.Unit) bool) string {
	best, count, label := 4, 0, query
	for _, u := range units {
		if !inScope(u.Unit) {
			continue
		}
		switch r := levelRank(u.Level); {
		case r < best:
			best, count, label = r, 1, unitLabel(u)
		case r == best:
			count++
		}
	}
	if count != 1 {
		return query
	}
	return label
}

// demandOneVillage is the one village among units in scope (several villages, of two townships
// of a county with the same name, or none: ok false).
func demandOneVillage(units []calc.UnitSummary, inScope func(calc.Unit) bool) (calc.Unit, bool) {
	var one calc.Unit
	n := 0
	for _, u := range units {
		if u.Level == calc.LevelVillage && inScope(u.Unit) && u.Unit != one {
			one = u.Unit
			n++
		}
	}
	return one, n == 1
}
