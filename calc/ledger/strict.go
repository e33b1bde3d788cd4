package ledger

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Strict Open XML (Excel's "Strict Open XML 电子表格", conformance="strict") names its parts'
// namespaces and relationship types under purl.oclc.org. excelize reads them but writes the
// workbook part back in the transitional namespace without the r: prefix's declaration, so the
// result of a strict upload would not open. A strict upload is therefore read and written from
// a transitional copy (Ledger.Source), as a decrypted one is; Excel and WPS open it as usual.

// strictNamespaces maps strict namespaces to transitional ones, the specific before the
// general prefixes (ECMA-376 Part 1, the two schema sets).
var strictNamespaces = []struct{ strict, transitional string }{
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"},
	{"http://purl.oclc.org/ooxml/officeDocument/extendedProperties", "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"},
	{"http://purl.oclc.org/ooxml/officeDocument/customProperties", "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"},
	{"http://purl.oclc.org/ooxml/officeDocument/", "http://schemas.openxmlformats.org/officeDocument/2006/"},
	{"http://purl.oclc.org/ooxml/spreadsheetml/main", "http://schemas.openxmlformats.org/spreadsheetml/2006/main"},
	{"http://purl.oclc.org/ooxml/drawingml/", "http://schemas.openxmlformats.org/drawingml/2006/"},
	{"http://purl.oclc.org/ooxml/schemaLibrary/main", "http://schemas.openxmlformats.org/schemaLibrary/2006/main"},
}

// strictHead is how much of a large part is rewritten: namespaces are declared on the root
// element (and the parts that declare them deeper, drawings and relationships, are small).
const (
	strictWhole = 16 << 20
	strictHead  = 64 << 10
)

// toTransitional rewrites strict namespaces in b.
func toTransitional(b []byte) []byte {
	if !bytes.Contains(b, []byte("purl.oclc.org/ooxml/")) {
		return b
	}
	for _, ns := range strictNamespaces {
		b = bytes.ReplaceAll(b, []byte(ns.strict), []byte(ns.transitional))
	}
	return b
}

// minimalStyles is the styles part given to a workbook that has none (a valid package written by
// a program: the part is optional, but results cannot be styled, nor written by excelize,
// without it). One font, the two required fills, one border, one cell format.
const minimalStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>`

// transitionalCopy returns a copy of the workbook in tmp that can be read and written back: a
// strict workbook's namespaces made transitional, and a styles part added to a workbook without
// one. It returns path itself when neither applies.
func transitionalCopy(path string, lim Limits, tmp string) (string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", fileErr("damaged", MsgDamaged, fmt.Errorf("open zip: %w", err))
	}
	defer zr.Close()
	files := zipFiles(&zr.Reader)
	wbPath, relsPath, stylesPath := workbookPaths(files)
	wb := files[wbPath]
	if wb == nil {
		return path, nil // excelize says what is wrong
	}
	head, err := readZipFile(wb, strictHead)
	if err != nil {
		return path, nil
	}
	strict := bytes.Contains(head, []byte("purl.oclc.org/ooxml/spreadsheetml/main"))
	addStyles := files[stylesPath] == nil && files[relsPath] != nil && files["[Content_Types].xml"] != nil
	if !strict && !addStyles {
		return path, nil
	}
	out, err := os.CreateTemp(tmp, "transitional-*"+filepath.Ext(path))
	if err != nil {
		return "", fmt.Errorf("transitional copy: %w", err)
	}
	name := out.Name()
	zw := zip.NewWriter(out)
	err = func() error {
		for _, f := range zr.File {
			if addStyles && (f.Name == relsPath || f.Name == "[Content_Types].xml") {
				if err := copyWithStyles(zw, f, f.Name == relsPath, strict, lim.MaxUnzippedBytes, stylesPath); err != nil {
					return err
				}
				continue
			}
			lower := strings.ToLower(f.Name)
			if !strict || !strings.HasSuffix(lower, ".xml") && !strings.HasSuffix(lower, ".rels") && !strings.HasSuffix(lower, ".vml") {
				if err := zw.Copy(f); err != nil {
					return err
				}
				continue
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
			if err != nil {
				return err
			}
			rc, err := f.Open()
			if err != nil {
				return err
			}
			err = copyTransitional(w, rc, f.Name == wbPath, int64(f.UncompressedSize64) <= strictWhole, lim.MaxUnzippedBytes)
			rc.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		if addStyles {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: stylesPath, Method: zip.Deflate})
			if err != nil {
				return err
			}
			if _, err := io.WriteString(w, minimalStyles); err != nil {
				return err
			}
		}
		return zw.Close()
	}()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fileErr("damaged", MsgDamaged, fmt.Errorf("transitional copy: %w", err))
	}
	return name, nil
}

// copyTransitional copies one part with its strict namespaces rewritten: all of it when whole,
// else its head up to the last tag end in the first strictHead bytes. The workbook part loses
// its conformance="strict".
func copyTransitional(w io.Writer, r io.Reader, workbook, whole bool, max int64) error {
	lr := io.LimitReader(r, max+1)
	if whole {
		b, err := io.ReadAll(lr)
		if err != nil {
			return err
		}
		b = toTransitional(b)
		if workbook {
			b = bytes.Replace(b, []byte(` conformance="strict"`), nil, 1)
		}
		_, err = w.Write(b)
		return err
	}
	head := make([]byte, strictHead)
	n, err := io.ReadFull(lr, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return err
	}
	head = head[:n]
	cut := bytes.LastIndexByte(head, '>') + 1
	if _, err := w.Write(toTransitional(head[:cut])); err != nil {
		return err
	}
	if _, err := w.Write(head[cut:]); err != nil {
		return err
	}
	_, err = io.Copy(w, lr)
	return err
}

// copyWithStyles copies the workbook's relationships (rels) or the package's content types with
// the added styles part (stylesPath, beside the workbook part) declared in them.
func copyWithStyles(zw *zip.Writer, f *zip.File, rels, strict bool, max int64, stylesPath string) error {
	b, err := readZipFile(f, max)
	if err != nil {
		return err
	}
	if strict {
		b = toTransitional(b)
	}
	var add, end string
	if rels {
		add = `<Relationship Id="rIdZengshouStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="` + stylesPath[strings.LastIndex(stylesPath, "/")+1:] + `"/>`
		end = "</Relationships>"
	} else {
		add = `<Override PartName="/` + stylesPath + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`
		end = "</Types>"
	}
	i := bytes.LastIndex(b, []byte(end))
	if i < 0 {
		return fmt.Errorf("%s: no %s", f.Name, end)
	}
	b = append(b[:i:i], append([]byte(add), b[i:]...)...)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
