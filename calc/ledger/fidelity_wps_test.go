package ledger

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

const (
	fidCellImages = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<etc:cellImages xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"><etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="ID_5B3C7A2E1F"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic></etc:cellImage></etc:cellImages>`
	fidCellImagesRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image9.png"/></Relationships>`
	fidCustomProps = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer"><vt:lpwstr>2052-12.1.0.16388</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV"><vt:lpwstr>A1B2C3D4E5F60718293A4B5C6D7E8F90_12</vt:lpwstr></property></Properties>`
	fidExternalLink = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="2025年台账"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>`
	fidExternalLinkRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="http://192.0.2.1/%E5%8F%B0%E8%B4%A6.xlsx" TargetMode="External"/></Relationships>`
)

var (
	reFidRowOpen = regexp.MustCompile(`<row r="(\d+)"`)
	reFidSI      = regexp.MustCompile(`</t></si>`)
)

// buildFidWPS makes the generated ledger look saved by WPS: markup-compatibility namespaces and
// x14ac row attributes, row spans, a tab colour, a dimension, phonetic properties in shared
// strings, WPS's custom document properties, and a picture in a cell (WPS's cellimages part
// with a DISPIMG formula) in a household row.
func buildFidWPS(t testing.TB, dir string) string {
	t.Helper()
	base := fidBase(t, dir)
	in := filepath.Join(dir, "wps.xlsx")
	part := fidSheetPart(t, base, fidIncome)
	fidRewriteZip(t, base, in, func(name, body string) string {
		switch name {
		case part:
			body = strings.Replace(body, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`,
				`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"><sheetPr><tabColor rgb="FFFF0000"/><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:AC61"/>`, 1)
			body = strings.Replace(body, `<sheetFormatPr defaultRowHeight="15"/>`, `<sheetFormatPr defaultColWidth="9" defaultRowHeight="13.5" outlineLevelCol="0"/>`, 1)
			body = reFidRowOpen.ReplaceAllString(body, `<row r="$1" spans="1:29" ht="13.5" customHeight="1"`)
			// a photo in the 帮扶措施 cell of the first household
			body = regexp.MustCompile(`<c r="AB6"[^>]*?(?:/>|>.*?</c>)`).ReplaceAllString(body,
				`<c r="AB6" t="str"><f>_xlfn.DISPIMG("ID_5B3C7A2E1F",1)</f><v>=DISPIMG("ID_5B3C7A2E1F",1)</v></c>`)
			body = strings.Replace(body, `</worksheet>`, `<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/><pageSetup paperSize="9" orientation="landscape" fitToHeight="0"/><headerFooter/><extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>务工就业清单!$E$3:$E$5</xm:f></x14:formula1><xm:sqref>AB6:AB55</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>`, 1)
		case "xl/sharedStrings.xml":
			body = reFidSI.ReplaceAllString(body, `</t><phoneticPr fontId="1" type="noConversion"/></si>`)
		case "xl/workbook.xml":
			body = strings.Replace(body, `<bookViews>`, `<fileVersion appName="xl" lastEdited="3" lowestEdited="5" rupBuild="9302"/><workbookPr/><bookViews>`, 1)
			body = strings.Replace(body, `<workbookView activeTab="0"/>`, `<workbookView windowWidth="28125" windowHeight="12540" activeTab="0"/>`, 1)
			body = strings.Replace(body, `</workbook>`, `<calcPr calcId="144525"/></workbook>`, 1)
		case "xl/_rels/workbook.xml.rels":
			body = strings.Replace(body, `</Relationships>`, `<Relationship Id="rId9" Type="http://www.wps.cn/officeDocument/2020/cellImage" Target="cellimages.xml"/></Relationships>`, 1)
		case "_rels/.rels":
			body = strings.Replace(body, `</Relationships>`, `<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>`, 1)
		case "[Content_Types].xml":
			body = strings.Replace(body, `</Types>`, `<Default Extension="png" ContentType="image/png"/><Override PartName="/xl/cellimages.xml" ContentType="application/vnd.wps-officedocument.cellimage+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>`, 1)
		}
		return body
	}, map[string]string{
		"xl/cellimages.xml":            fidCellImages,
		"xl/_rels/cellimages.xml.rels": fidCellImagesRels,
		"xl/media/image9.png":          string(fidPNG()),
		"docProps/custom.xml":          fidCustomProps,
	})
	return in
}

// buildFidExternal adds a link to another workbook (on a web address) and a formula reading it.
func buildFidExternal(t testing.TB, dir string) string {
	t.Helper()
	base := fidBase(t, dir)
	in := filepath.Join(dir, "external.xlsx")
	part := fidSheetPart(t, base, fidIncome)
	fidRewriteZip(t, base, in, func(name, body string) string {
		switch name {
		case part:
			body = strings.Replace(body, `</sheetData>`, `<row r="62"><c r="A62" t="inlineStr"><is><t>上年人均</t></is></c><c r="J62"><f>[1]2025年台账!$A$1</f><v>42</v></c></row></sheetData>`, 1)
		case "xl/workbook.xml":
			body = strings.Replace(body, `</sheets>`, `</sheets><externalReferences><externalReference r:id="rId9"/></externalReferences>`, 1)
		case "xl/_rels/workbook.xml.rels":
			body = strings.Replace(body, `</Relationships>`, `<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>`, 1)
		case "[Content_Types].xml":
			body = strings.Replace(body, `</Types>`, `<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>`, 1)
		}
		return body
	}, map[string]string{
		"xl/externalLinks/externalLink1.xml":            fidExternalLink,
		"xl/externalLinks/_rels/externalLink1.xml.rels": fidExternalLinkRels,
	})
	return in
}

// fidProcessTwice processes in (mode) and its output again, checking the cadre's cells, the
// given parts and that the second run gives what the first gave.
func fidProcessTwice(t *testing.T, in, mode string, parts []string) (string, string) {
	t.Helper()
	dir := filepath.Dir(in)
	out, out2 := filepath.Join(dir, mode+"-out.xlsx"), filepath.Join(dir, mode+"-out2.xlsx")
	opt := processOptions(t)
	opt.Write.Mode = mode
	rep, err := Process(in, out, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Households != 50 {
		t.Errorf("%d households", rep.Summary.Households)
	}
	opt2 := processOptions(t)
	opt2.Write.Mode = mode
	rep2, err := Process(out, out2, opt2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != len(rep2.Findings) || len(rep.Tasks) != len(rep2.Tasks) || rep.Summary.Households != rep2.Summary.Households {
		t.Errorf("second run: %d/%d findings, %d/%d tasks", len(rep.Findings), len(rep2.Findings), len(rep.Tasks), len(rep2.Tasks))
	}
	for _, o := range []string{out, out2} {
		fidValidate(t, o)
		fidWellFormed(t, o)
		for _, sh := range []string{fidIncome, fidStock, fidLabor} {
			fidCompareCells(t, in, o, sh)
		}
		for _, p := range parts {
			if a, b := fidZipPart(t, in, p), fidZipPart(t, o, p); a != b {
				t.Errorf("%s: part %s changed or lost (%d → %d bytes)", filepath.Base(o), p, len(a), len(b))
			}
		}
	}
	return out, out2
}

func TestFidelityWPS(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			in := buildFidWPS(t, t.TempDir())
			out, out2 := fidProcessTwice(t, in, mode, []string{"xl/cellimages.xml", "xl/_rels/cellimages.xml.rels", "xl/media/image9.png", "docProps/custom.xml"})
			for _, o := range []string{out, out2} {
				if rels := fidZipPart(t, o, "xl/_rels/workbook.xml.rels"); !strings.Contains(rels, "cellimages.xml") {
					t.Errorf("%s: the workbook lost its cellimages relationship: %s", filepath.Base(o), rels)
				}
				if rels := fidZipPart(t, o, "_rels/.rels"); !strings.Contains(rels, "docProps/custom.xml") {
					t.Errorf("%s: the package lost its custom properties: %s", filepath.Base(o), rels)
				}
				if ct := fidZipPart(t, o, "[Content_Types].xml"); !strings.Contains(ct, "/xl/cellimages.xml") {
					t.Errorf("%s: content types lost cellimages: %s", filepath.Base(o), ct)
				}
				xml := fidSheetXML(t, o, fidIncome)
				// the used range WPS declared covers our columns too (readers that trust it,
				// openpyxl's read-only mode, would stop at AC)
				if !strings.Contains(xml, `<dimension ref="A1:AJ61"`) && mode == ModeColumns {
					t.Errorf("%s: dimension %s", filepath.Base(o), regexp.MustCompile(`<dimension[^>]*>`).FindString(xml))
				}
				for _, want := range []string{`<tabColor rgb="FFFF0000"`, `DISPIMG(&#34;ID_5B3C7A2E1F&#34;,1)`, `务工就业清单!$E$3:$E$5`, `AB6:AB55`} {
					if !strings.Contains(xml, want) && !strings.Contains(xml, strings.ReplaceAll(want, "&#34;", `"`)) {
						t.Errorf("%s: income sheet lost %s", filepath.Base(o), want)
					}
				}
			}
		})
	}
}

func TestFidelityExternalLink(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			in := buildFidExternal(t, t.TempDir())
			out, out2 := fidProcessTwice(t, in, mode, []string{"xl/externalLinks/externalLink1.xml", "xl/externalLinks/_rels/externalLink1.xml.rels"})
			for _, o := range []string{out, out2} {
				f, err := excelize.OpenFile(o)
				if err != nil {
					t.Fatal(err)
				}
				fm, _ := f.GetCellFormula(fidIncome, "J62")
				v, _ := f.GetCellValue(fidIncome, "J62")
				f.Close()
				if strings.ReplaceAll(fm, "'", "") != "[1]2025年台账!$A$1" || v != "42" {
					t.Errorf("%s: J62 = %q (%q)", filepath.Base(o), fm, v)
				}
				if wb := fidZipPart(t, o, "xl/workbook.xml"); !strings.Contains(wb, "<externalReference ") {
					t.Errorf("%s: workbook lost its external reference", filepath.Base(o))
				}
			}
		})
	}
}

var _ = fmt.Sprint
