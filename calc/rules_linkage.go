package calc

import "strings"

// evalLinkage applies clause （七） 联农带农: an operating project of a business entity funded by
// 财政/帮扶资金 with no linkage mode recorded ⇒ a no_linkage task for the entity's cadre.
func evalLinkage(e *eval) {
	modes := "" // LinkageModes joined, when first needed
	for i := range e.in.Entities {
		b := &e.in.Entities[i]
		if !b.Funded {
			continue
		}
		recorded := false
		for _, m := range b.Linkage {
			if strings.TrimSpace(m) != "" {
				recorded = true
			}
		}
		if recorded {
			continue
		}
		project := b.Project
		if project == "" {
			project = "经营性帮扶项目"
		}
		fd := Finding{Rule: "no_linkage", Subject: b.Name, SubjectName: b.Name, Unit: b.Unit, Ref: b.Ref,
			Inputs: e.ins.take(0, Input{"经营主体", b.Name}, Input{"项目", project}, Input{"资金", "财政资金或帮扶资金支持"},
				Input{"利益联结方式", "未记录"})}
		fd.Explain = e.t.cat(b.Name, "的“", project, "”获财政/帮扶资金支持，未记录联农带农利益联结方式")
		if modes == "" {
			modes = strings.Join(LinkageModes, "、")
		}
		e.taskFinding(fd, b.Cadre, e.t.cat(fd.Explain, "，请推动与农户建立", modes, "等利益联结机制并登记"), b.Project)
	}
}
