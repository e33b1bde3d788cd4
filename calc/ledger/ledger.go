// Package ledger reads the workbooks cadres keep (whatever their layout), turns them into
// calc.Inputs, and writes the results back into the workbook: result columns beside the rows
// (small files) or a result sheet keyed by 原表行号 (large files), a 汇总 sheet with a chart and
// a 问题清单 sheet. It never trusts a file: the zip is checked before parsing and every limit is
// explicit. It is pure like calc: bytes on disk in, bytes on disk out; no network, no clock.
package ledger

import "zengshou/calc"

// Sheet kinds the reader recognizes from headers.
const (
	KindHouseholds = "households" // 家庭收入台账 / 脱贫户台账
	KindLivestock  = "livestock"  // 牲畜动态监测台账
	KindLand       = "land"       // 土地承包/托管台账
	KindLaborers   = "laborers"   // 务工就业清单 (one row per person)
	KindProjects   = "projects"   // 到户帮扶项目
	KindEntities   = "entities"   // 经营主体/联农带农
	KindEmployers  = "employers"  // 吸纳就业
	KindRelief     = "relief"     // 以工代赈
	KindPosts      = "posts"      // 公益岗位
	KindDibao      = "dibao"      // 低保渐退
	KindInsurance  = "insurance"  // 防贫保险/刚性支出
	KindFilial     = "filial"     // 孝扶
)

// Our own sheets and column group; reprocessing a workbook replaces them.
const (
	SheetSummary  = "汇总"
	SheetProblems = "问题清单"
	SheetResults  = "计算结果"   // result sheet keyed by 原表行号, for large files
	ResultMarker  = "【增收计算】" // prefix of our result column headers
)

// Limits bound what an untrusted workbook may cost (from config `limits:`).
type Limits struct {
	MaxFileBytes     int64 // the .xlsx itself
	MaxUnzippedBytes int64 // all parts, declared and actual
	MaxXMLBytes      int64 // one XML part (excelize UnzipXMLSizeLimit)
	MaxEntries       int   // zip entries
	MaxRatio         int64 // compression ratio of one entry
	MaxRows          int   // rows read from one sheet
	MaxCols          int   // columns of one row
	MaxCells         int64 // cells read in all
	LargeFileRows    int   // above this many data rows: a result sheet instead of result columns
	TmpDir           string
}

// Column is one recognized column of a sheet.
type Column struct {
	Index  int    `json:"index"`  // 1-based
	Header string `json:"header"` // composed header as shown, e.g. "家庭年收入/工资性收入"
	Field  string `json:"field"`  // canonical field, e.g. "wage_income"; "" when not recognized
	Unit   string `json:"unit,omitempty"`
	// Modifiers read off the header (the reader's additions): the quarter of a quarterly
	// column (1..4), the species of a livestock column (calc.Cattle/Sheep) and the period of
	// the figure (PeriodLastYear, PeriodYTD; "" = the ledger's period).
	Quarter int    `json:"quarter,omitempty"`
	Species string `json:"species,omitempty"`
	Period  string `json:"period,omitempty"`
}

// SheetInfo says how a sheet was read.
type SheetInfo struct {
	Name       string   `json:"name"`
	Kind       string   `json:"kind"` // Kind*; "" when not a ledger
	Hidden     bool     `json:"hidden,omitempty"`
	HeaderRows []int    `json:"header_rows"` // 1-based rows making up the header
	CodeRow    int      `json:"code_row,omitempty"`
	FirstRow   int      `json:"first_row"` // first data row
	LastRow    int      `json:"last_row"`  // last row read
	DataRows   int      `json:"data_rows"` // rows that became records
	Columns    []Column `json:"columns"`
	Skipped    []int    `json:"skipped,omitempty"` // 小计/合计 and blank rows
	Confidence float64  `json:"confidence"`
	LastCol    int      `json:"last_col"` // widest column used by the cadre's data
	// Reader's additions: the hash of the normalized header texts (a Template matches on it),
	// the template applied, the sheet's unit line (单位：元) and the code row's formula hints.
	HeaderHash string   `json:"header_hash,omitempty"`
	Template   string   `json:"template,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	CodeHints  []string `json:"code_hints,omitempty"`
	Footer     int      `json:"footer,omitempty"` // first footer row (填表人…), 0 when none
	// Filtered: the sheet's autofilter or one of its tables' has criteria (筛选); rows hidden
	// inside its range are taken as hidden by the filter, and the results keep the cadre's
	// filter.
	Filtered bool `json:"filtered,omitempty"`
	// Tables: the sheet has tables (套用表格格式), which carry their own filters; the results
	// add no sheet autofilter over them (Excel does not allow one across a table).
	Tables bool `json:"tables,omitempty"`
	// NoValue lists the cells of recognized columns that are formulas without a cached value
	// (read as blank and reported by the reader), as runs of rows per column: a rule's
	// "‘X’为空" for the same cell is left out of the problems (Problems).
	NoValue []CellRun `json:"no_value,omitempty"`
}

// CellRun is the cells of one column (1-based) from row From to row To.
type CellRun struct {
	Col  int `json:"col"`
	From int `json:"from"`
	To   int `json:"to"`
}

// Ledger is what the reader found in a workbook.
type Ledger struct {
	// Source is the decrypted or converted copy that was read, when the upload itself is not a
	// plain .xlsx (ReadOptions.PreparedDir); results are written from it.
	Source string `json:"source,omitempty"`
	// Encrypted: the upload was a password-protected workbook, decrypted with the configured
	// password; its results are encrypted with the same password (EncryptAs).
	Encrypted bool             `json:"encrypted,omitempty"`
	Sheets    []SheetInfo      `json:"sheets"`
	Inputs    calc.Inputs      `json:"inputs"`
	Errors    []calc.DataError `json:"errors"` // unreadable or inconsistent cells; the rest was still read
}

// FileError is a workbook that cannot be read at all. Message is one plain Chinese sentence
// for the cadre ("文件已加密，请去掉密码后重新上传，或请管理员配置密码").
type FileError struct {
	Code    string // not_xlsx, damaged, encrypted, xls, et, too_large, zip_bomb, no_ledger, empty
	Message string
	Err     error
}

func (e *FileError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *FileError) Unwrap() error { return e.Err }
