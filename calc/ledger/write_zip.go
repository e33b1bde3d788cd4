package ledger

import (
	"github.com/xuri/excelize/v2"

	"archive/zip"
	"fmt"
	"html"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

var (
	reSheetElem   = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?sheet\s[^>]*?(?:/>|>\s*</(?:[A-Za-z0-9_]+:)?sheet>)`)
	reNameAttr    = regexp.MustCompile(`\sname="([^"]*)"`)
	reRelIDAttr   = regexp.MustCompile(`\s[A-Za-z0-9_]+:id="([^"]*)"`)
	reDefinedName = regexp.MustCompile(`(?s)<(?:[A-Za-z0-9_]+:)?definedName\b[^>]*?(?:/>|>.*?</(?:[A-Za-z0-9_]+:)?definedName>)`)
	reLocalSheet  = regexp.MustCompile(`localSheetId="(\d+)"`)
	reActiveTab   = regexp.MustCompile(`\b(activeTab|firstSheet)="(\d+)"`)
	reRelElem     = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Relationship\s[^>]*?(?:/>|>\s*</(?:[A-Za-z0-9_]+:)?Relationship>)`)
	reIDAttr      = regexp.MustCompile(`\sId="([^"]*)"`)
	reTargetAttr  = regexp.MustCompile(`\sTarget="([^"]*)"`)
)

// MarkerName is a sheet-scoped defined name on every sheet we add (汇总, 问题清单, 计算结果). It
// tells our sheets from a cadre's own sheet that happens to have the same name: only marked
// sheets are replaced on reprocessing or skipped by the reader.
const MarkerName = "ZengshouResult"

// ourSheetsOf returns the names of the sheets we added to this workbook earlier.
func ourSheetsOf(f *excelize.File) map[string]bool {
	out := map[string]bool{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == MarkerName && dn.Scope != "" && dn.Scope != "Workbook" {
			out[dn.Scope] = true
		}
	}
	return out
}

// newOurSheet adds one of our sheets, named base unless the cadre already has a sheet of that
// name (then "base（增收）"), and marks it as ours.
func newOurSheet(f *excelize.File, base string) (string, error) {
	name := base
	for i := 1; ; i++ {
		if idx, _ := f.GetSheetIndex(name); idx < 0 {
			break
		}
		name = base + "（增收）"
		if i > 1 {
			name = fmt.Sprintf("%s（增收%d）", base, i)
		}
	}
	if _, err := f.NewSheet(name); err != nil {
		return "", err
	}
	ref := "'" + strings.ReplaceAll(name, "'", "''") + "'!$A$1"
	if err := f.SetDefinedName(&excelize.DefinedName{Name: MarkerName, RefersTo: ref, Scope: name}); err != nil {
		return "", err
	}
	return name, nil
}

// markedSheetIndexes returns the positions (0-based, as localSheetId counts) of the sheets our
// marker names, read from the workbook XML.
func markedSheetIndexes(wb string) map[int]bool {
	out := map[int]bool{}
	for _, dn := range reDefinedName.FindAllString(wb, -1) {
		m := reNameAttr.FindStringSubmatch(dn)
		if m == nil || html.UnescapeString(m[1]) != MarkerName {
			continue
		}
		if l := reLocalSheet.FindStringSubmatch(dn); l != nil {
			n, _ := strconv.Atoi(l[1])
			out[n] = true
		}
	}
	return out
}

// stripOurSheets copies the workbook src to a temporary file without our sheets (汇总, 问题清单,
// 计算结果) from an earlier run. Only xl/workbook.xml, its relationships and [Content_Types].xml
// are rewritten; every other part is copied raw (same compressed bytes), so the cadre's sheets
// stay byte-identical. Parts only our sheets used (drawings, charts, comments) stay as
// unreferenced parts. found is false (and no file is made) when there was nothing to strip.
func stripOurSheets(src, tmpDir string) (tmp string, found bool, err error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return "", false, fmt.Errorf("strip old sheets: %w", err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) (string, error) {
		f := files[name]
		if f == nil {
			return "", fmt.Errorf("strip old sheets: %s missing", name)
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		return string(b), err
	}
	wbPath := "xl/workbook.xml"
	if rels, err := read("_rels/.rels"); err == nil {
		for _, rel := range reRelElem.FindAllString(rels, -1) {
			if strings.Contains(rel, "/officeDocument\"") {
				if m := reTargetAttr.FindStringSubmatch(rel); m != nil {
					wbPath = strings.TrimPrefix(html.UnescapeString(m[1]), "/")
				}
			}
		}
	}
	wb, err := read(wbPath)
	if err != nil {
		return "", false, err
	}
	relsPath := path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")
	rels, err := read(relsPath)
	if err != nil {
		return "", false, err
	}
	ct, err := read("[Content_Types].xml")
	if err != nil {
		return "", false, err
	}
	type removed struct {
		idx  int
		elem string
		rid  string
	}
	var gone []removed
	marked := markedSheetIndexes(wb)
	for i, elem := range reSheetElem.FindAllString(wb, -1) {
		if !marked[i] {
			continue
		}
		rid := ""
		if r := reRelIDAttr.FindStringSubmatch(elem); r != nil {
			rid = r[1]
		}
		gone = append(gone, removed{i, elem, rid})
	}
	if len(gone) == 0 {
		return "", false, nil
	}
	drop := map[string]bool{}
	for k := len(gone) - 1; k >= 0; k-- { // from the last, so indices stay valid
		g := gone[k]
		wb = strings.Replace(wb, g.elem, "", 1)
		wb = reDefinedName.ReplaceAllStringFunc(wb, func(dn string) string {
			m := reLocalSheet.FindStringSubmatch(dn)
			if m == nil {
				return dn
			}
			n, _ := strconv.Atoi(m[1])
			switch {
			case n == g.idx:
				return ""
			case n > g.idx:
				return strings.Replace(dn, m[0], fmt.Sprintf(`localSheetId="%d"`, n-1), 1)
			}
			return dn
		})
		wb = reActiveTab.ReplaceAllStringFunc(wb, func(a string) string {
			m := reActiveTab.FindStringSubmatch(a)
			n, _ := strconv.Atoi(m[2])
			if n == g.idx {
				n = 0
			} else if n > g.idx {
				n--
			}
			return fmt.Sprintf(`%s="%d"`, m[1], n)
		})
		for _, rel := range reRelElem.FindAllString(rels, -1) {
			id := reIDAttr.FindStringSubmatch(rel)
			if id == nil || id[1] != g.rid {
				continue
			}
			rels = strings.Replace(rels, rel, "", 1)
			if t := reTargetAttr.FindStringSubmatch(rel); t != nil {
				target := html.UnescapeString(t[1])
				part := strings.TrimPrefix(target, "/")
				if !strings.HasPrefix(target, "/") {
					part = path.Clean(path.Join(path.Dir(wbPath), target))
				}
				drop[part] = true
				drop[path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")] = true
				ct = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Override\s[^>]*PartName="/`+regexp.QuoteMeta(part)+`"[^>]*/>`).ReplaceAllString(ct, "")
			}
		}
	}
	// Sheets still in the workbook may not be emptied: never strip the last sheet.
	if len(reSheetElem.FindAllString(wb, -1)) == 0 {
		return "", false, nil
	}
	out, err := os.CreateTemp(tmpDir, "zengshou-strip-*.xlsx")
	if err != nil {
		return "", false, fmt.Errorf("strip old sheets: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	zw := zip.NewWriter(out)
	replaced := map[string]string{wbPath: wb, relsPath: rels, "[Content_Types].xml": ct}
	for _, f := range zr.File {
		if drop[f.Name] {
			continue
		}
		if s, ok := replaced[f.Name]; ok {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
			if err != nil {
				return "", false, err
			}
			if _, err := io.WriteString(w, s); err != nil {
				return "", false, err
			}
			continue
		}
		if err := zw.Copy(f); err != nil {
			return "", false, fmt.Errorf("strip old sheets: copy %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", false, err
	}
	if err := out.Close(); err != nil {
		return "", false, err
	}
	return out.Name(), true, nil
}

var (
	reOverrideElem = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Override\s[^>]*?(?:/>|>\s*</(?:[A-Za-z0-9_]+:)?Override>)`)
	rePartNameAttr = regexp.MustCompile(`\sPartName="([^"]*)"`)
	reCTypeAttr    = regexp.MustCompile(`\sContentType="([^"]*)"`)
)

// workbookExts are the file extensions excelize gives each workbook content type other than
// the ordinary one, and back.
var workbookExts = map[string]string{
	excelize.ContentTypeMacro:         ".xlsm",
	excelize.ContentTypeTemplate:      ".xltx",
	excelize.ContentTypeTemplateMacro: ".xltm",
	excelize.ContentTypeAddinMacro:    ".xlam",
	".xlsm":                           excelize.ContentTypeMacro,
	".xltx":                           excelize.ContentTypeTemplate,
	".xltm":                           excelize.ContentTypeTemplateMacro,
	".xlam":                           excelize.ContentTypeAddinMacro,
}

// workbookExt is the extension of a name under which excelize writes the result with the
// right content type: excelize sets the workbook part's type from the name it was opened or
// saved under, and the writers open a temporary copy. dst's own extension when it is a
// workbook's (.xlsx, .xlsm, .xltx, .xltm, .xlam: a macro-enabled upload written to an .xlsm
// stays macro-enabled with its vbaProject.bin, which Excel otherwise refuses to open);
// otherwise the source workbook's own type; ".xlsx" when neither says.
func workbookExt(dst string, files map[string]*zip.File) string {
	if ext := strings.ToLower(path.Ext(strings.ReplaceAll(dst, "\\", "/"))); ext == ".xlsx" || workbookExts[ext] != "" {
		return ext
	}
	return sourceExt(files)
}

// sourceExt is the extension that goes with the source workbook's content type.
func sourceExt(files map[string]*zip.File) string {
	wbPath, _, _ := workbookPaths(files)
	f := files["[Content_Types].xml"]
	if f == nil {
		return ".xlsx"
	}
	b, err := readZipFile(f, 16<<20)
	if err != nil {
		return ".xlsx"
	}
	for _, o := range reOverrideElem.FindAllString(string(b), -1) {
		p, ct := rePartNameAttr.FindStringSubmatch(o), reCTypeAttr.FindStringSubmatch(o)
		if p == nil || ct == nil || strings.TrimPrefix(html.UnescapeString(p[1]), "/") != wbPath {
			continue
		}
		if ext, ok := workbookExts[html.UnescapeString(ct[1])]; ok && strings.HasPrefix(ext, ".") {
			return ext
		}
	}
	return ".xlsx"
}

// zipFiles maps a zip's entries by name.
func zipFiles(zr *zip.Reader) map[string]*zip.File {
	m := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		m[f.Name] = f
	}
	return m
}
