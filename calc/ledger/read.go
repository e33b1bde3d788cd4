package ledger

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// ReadOptions configure Read.
type ReadOptions struct {
	Limits Limits
	// Synonyms adds header texts per canonical field, merged over config.DefaultSynonyms()
	// (an added text that the defaults give to another field now means this field).
	Synonyms map[string][]string
	// Templates override the mapping of a known template's columns.
	Templates []Template
	// Password decrypts a password-protected workbook ("" = none configured).
	Password string
	// SofficePath is LibreOffice's soffice, for converting .xls/.et ("" = not configured).
	SofficePath    string
	SofficeTimeout time.Duration // default 2 minutes
	// Period is the quarter the ledger speaks for: a single (本季度/累计/unmarked) income column
	// belongs to its quarter, and "<year-1>年人均纯收入" is last year's. Zero: Q4 of an unknown year.
	Period calc.Period
	// PreparedDir keeps the decrypted or converted copy of a password-protected, .xls or .et
	// workbook as PreparedDir/prepared.xlsx (Ledger.Source), so the results can be written from
	// it ("" = not kept).
	PreparedDir string
	// BlankRunStop stops reading a sheet after this many consecutive blank rows past the data
	// (default 1000): a million styled empty rows end quickly.
	BlankRunStop int
}

// Template is a per-template column override: when a sheet's name or header hash
// (SheetInfo.HeaderHash) equals Match, each header in Fields (the composed header
// "家庭年收入/工资性收入" or its last part) is read as that canonical field ("-" = ignore).
type Template struct {
	Name   string            `json:"name" yaml:"name"`
	Match  string            `json:"match" yaml:"match"`
	Kind   string            `json:"kind,omitempty" yaml:"kind,omitempty"` // force the sheet kind
	Fields map[string]string `json:"fields" yaml:"fields"`
}

// reader holds one Read call's state.
type reader struct {
	opt      ReadOptions
	lim      Limits
	dict     *dict
	zr       *zip.Reader
	sst      []string // the shared strings
	date1904 bool
	quarter  int // default quarter of unmarked income columns
	cells    int64

	led    *Ledger
	sheets []*sheetState
	seen   []string // "表名（表头：a、b、c…）" of sheets without a ledger, for no_ledger
	links  []pendingLink
	// personPays are the payments of laborers without an ID number: their subject is
	// 户编号/姓名 (calc.PersonSubject), known once join has found the laborer's household.
	personPays []personPay
	// projectPays are the payments of 庭院经济 projects (their 奖补已发放): their subject is the
	// project's household, known once join has found it.
	projectPays []projectPay
	holds       *householdIndex
	persons     map[string]string // person ID number → household key (rosters)
}

// Read reads a ledger workbook. A file that cannot be read at all gives a *FileError with a
// plain Chinese message; otherwise the Ledger lists what each sheet is, the records read into
// calc.Inputs and every cell the cadre must look at (Ledger.Errors).
func Read(path string, opt ReadOptions) (led *Ledger, err error) {
	lim := opt.Limits.withDefaults()
	tmp, err := os.MkdirTemp(lim.TmpDir, "ledger-read-")
	if err != nil {
		return nil, fmt.Errorf("create temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	defer func() {
		if p := recover(); p != nil {
			led, err = nil, fileErr("damaged", MsgDamaged, fmt.Errorf("read workbook: panic: %v", p))
		}
	}()
	xlsx, err := prepareFile(path, opt, lim, tmp)
	if err != nil {
		return nil, err
	}
	zf, err := zip.OpenReader(xlsx)
	if err != nil {
		return nil, fileErr("damaged", MsgDamaged, fmt.Errorf("open zip: %w", err))
	}
	defer zf.Close()
	wb, err := readWorkbook(&zf.Reader)
	if err != nil {
		return nil, fileErr("damaged", MsgDamaged, err)
	}
	// excelize opens the package without its sheet data and shared strings (a skeleton of a
	// few KB: the workbook, styles, relationships and small parts, as they are), which checks
	// the package as before; the sheets are streamed from the zip by the reader's own parser.
	files := map[string]*zip.File{}
	for _, f := range zf.File {
		files[f.Name] = f
	}
	wbPath, relsPath, stylesPath := workbookPaths(files)
	var skel bytes.Buffer
	if _, err := writeSkeleton(&zf.Reader, map[string]bool{wbPath: true, relsPath: true, stylesPath: true, "[Content_Types].xml": true}, &skel); err != nil {
		return nil, fileErr("damaged", MsgDamaged, err)
	}
	f, err := excelize.OpenReader(&skel, excelize.Options{
		UnzipSizeLimit:    lim.MaxUnzippedBytes,
		UnzipXMLSizeLimit: lim.MaxXMLBytes,
		RawCellValue:      true,
		TmpDir:            tmp,
	})
	if err != nil {
		return nil, openError(err)
	}
	defer f.Close()
	r := &reader{
		opt: opt, lim: lim, dict: newDict(opt.Synonyms, opt.Templates), zr: &zf.Reader,
		led: &Ledger{Encrypted: filepath.Base(xlsx) == decryptedName}, holds: newHouseholdIndex(), persons: map[string]string{},
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	if wb.sst != "" {
		sst, err := readSST(&zf.Reader, wb.sst, lim.MaxCells)
		switch {
		case errors.Is(err, errTooManyStrings):
			return nil, fileErr("too_large", fmt.Sprintf("工作簿的单元格数超过上限（%d个），请拆分后上传", lim.MaxCells), err)
		case err != nil:
			return nil, fileErr("damaged", MsgDamaged, fmt.Errorf("read shared strings: %w", err))
		}
		r.sst = sst
	}
	r.quarter = opt.Period.Quarter
	if r.quarter < 1 || r.quarter > 4 {
		r.quarter = 4
	}
	if r.opt.BlankRunStop <= 0 {
		r.opt.BlankRunStop = 1000
	}
	hidden := map[string]bool{}
	partOf := map[string]string{}
	for _, p := range wb.sheets {
		hidden[p.Name], partOf[p.Name] = p.Hidden, p.Part
	}
	// Our own sheets from an earlier run (汇总, 问题清单, 计算结果: marked, not merely so named)
	// are results, not ledgers.
	ours := ourSheetsOf(f)
	var names []string
	for _, name := range f.GetSheetList() {
		if !ours[name] {
			names = append(names, name)
		}
	}
	// Household sheets first: other sheets join on them.
	var states []*sheetState
	for _, name := range names {
		st, err := r.openSheet(name, partOf[name], hidden[name])
		if err != nil {
			return nil, err
		}
		states = append(states, st)
	}
	r.skipHiddenLedgers(states)
	sort.SliceStable(states, func(i, j int) bool {
		return states[i].info.Kind == KindHouseholds && states[j].info.Kind != KindHouseholds
	})
	found := false
	for _, st := range states {
		if st.info.Kind == "" {
			continue
		}
		found = true
		if err := r.readSheet(st); err != nil {
			return nil, err
		}
		if st.incomeNote != "" && st.info.DataRows > 0 {
			r.errorf(st.info.Name, 0, "", true, "%s", st.incomeNote)
		}
	}
	if !found {
		return nil, r.noLedger(names)
	}
	r.noData(states)
	r.unrecognized(states)
	r.join()
	// report sheets in workbook order
	order := map[string]int{}
	for i, n := range names {
		order[n] = i
	}
	sort.SliceStable(states, func(i, j int) bool { return order[states[i].info.Name] < order[states[j].info.Name] })
	for _, st := range states {
		r.led.Sheets = append(r.led.Sheets, st.info)
	}
	sort.SliceStable(r.led.Errors, func(i, j int) bool {
		a, b := r.led.Errors[i], r.led.Errors[j]
		if a.Sheet != b.Sheet {
			return order[a.Sheet] < order[b.Sheet]
		}
		return a.Row < b.Row
	})
	if xlsx != path && opt.PreparedDir != "" {
		// A decrypted or converted copy: keep it where the caller can write the results from it.
		kept := filepath.Join(opt.PreparedDir, "prepared.xlsx")
		if err := copyFile(xlsx, kept); err != nil {
			return nil, fmt.Errorf("keep prepared workbook: %w", err)
		}
		r.led.Source = kept
	}
	return r.led, nil
}

// skipHiddenLedgers sets aside the hidden sheets that look like ledgers when a visible one is
// there: a hidden 台账 is usually an archive (last year's, 旧数据), and computing it would raise
// flags, tasks and reminders for households that are not current. The cadre is told how to have
// it computed. When every ledger sheet is hidden, they are read (the cadre can only mean them).
func (r *reader) skipHiddenLedgers(states []*sheetState) {
	visible := false
	for _, st := range states {
		visible = visible || st.info.Kind != "" && !st.info.Hidden
	}
	if !visible {
		return
	}
	for _, st := range states {
		if st.info.Kind == "" || !st.info.Hidden {
			continue
		}
		name := st.info.Name
		r.led.Errors = slices.DeleteFunc(r.led.Errors, func(e calc.DataError) bool { return e.Sheet == name })
		r.errorf(name, 0, "", true, "工作表‘%s’是隐藏的（看起来是%s），未计算；如需计算，请在Excel或WPS中取消隐藏后重新上传", name, KindNames[st.info.Kind])
		st.info.Kind = ""
	}
}

// noData says so when the ledger sheets have headers but no data rows (a blank template
// uploaded, or rows below a footer): otherwise the reply would only say 0户.
func (r *reader) noData(states []*sheetState) {
	for _, st := range states {
		if st.info.Kind != "" && st.info.DataRows > 0 {
			return
		}
	}
	for _, st := range states {
		if st.info.Kind != "" && len(st.info.Skipped) == 0 { // skipped rows have their own notes
			r.errorf(st.info.Name, 0, "", true, "‘%s’只有表头，没有读到数据行（第%d行起），没有可计算的内容；请填写后重新上传", st.info.Name, st.info.FirstRow)
		}
	}
}

// identityFields name a person, a household or a place: a sheet with only these (a 花名册, a
// contact list) is not a ledger left out.
var identityFields = map[string]bool{"seq": true, "head_name": true, "name": true, "id_number": true, "household_no": true,
	"county": true, "township": true, "village": true, "phone": true, "cadre": true, "cadre_phone": true}

// unrecognized names the visible sheets that are not read although some of their columns are a
// ledger's (户主、养殖品种、卖掉的小牛): without a word in the reply, a cadre whose livestock sheet
// was not recognized never learnt that its calves went uncounted.
func (r *reader) unrecognized(states []*sheetState) {
	for _, st := range states {
		if st.info.Kind != "" || st.info.Hidden {
			continue
		}
		var heads []string
		seen, specific := map[string]bool{}, false
		for _, c := range st.info.Columns {
			if c.Field == "" || seen[c.Field] {
				continue
			}
			seen[c.Field] = true
			heads = append(heads, leafOf(c.Header))
			specific = specific || !identityFields[c.Field]
		}
		if len(heads) < 2 || !specific {
			continue
		}
		name := st.info.Name
		r.errorf(name, 0, "", true, "工作表‘%s’没有识别为哪一种台账，未计算（认出的列：%s）；如果这是台账，请对照标准模板改写表头（在群里发送“模板”获取）后重新上传",
			name, strings.Join(heads, "、"))
	}
}

// copyFile copies src to dst (0600).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func openError(err error) error {
	switch {
	case errors.Is(err, excelize.ErrWorkbookPassword):
		return fileErr("encrypted", MsgWrongPassword, err)
	case strings.Contains(err.Error(), "unzip size"):
		return fileErr("too_large", "文件解压后内容太大，请拆分后上传", err)
	}
	return fileErr("damaged", MsgDamaged, fmt.Errorf("open workbook: %w", err))
}

// noLedger is the FileError for a workbook with no sheet the reader recognizes.
func (r *reader) noLedger(names []string) error {
	if len(names) == 0 {
		return fileErr("empty", MsgEmpty, nil)
	}
	var b strings.Builder
	b.WriteString("没有找到可识别的台账。看到的工作表：")
	b.WriteString(strings.Join(r.seen, "；"))
	b.WriteString("。需要的表头例如：家庭收入台账（户主姓名、身份证号、家庭人口数、工资性收入、生产经营性收入、人均纯收入）；牲畜台账（户主姓名、畜种、年初存栏、出售犊牛/出售羔羊、存栏）；土地台账（户主姓名、承包他人耕地面积或代耕托管面积）；务工就业清单（姓名、身份证号、就业类型、务工时长、月工资）")
	return fileErr("no_ledger", b.String(), nil)
}

// errorf records a cell problem.
func (r *reader) errorf(sheet string, row int, column string, warning bool, format string, a ...any) {
	r.led.Errors = append(r.led.Errors, calc.DataError{Sheet: sheet, Row: row, Column: column, Message: fmt.Sprintf(format, a...), Warning: warning})
}
