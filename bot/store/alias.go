package store

import (
	"context"
	"fmt"
)

// OpenTasksOf returns the open tasks of people of these households and of these subjects
// (through the indexes of open tasks), each once: the bot finds among them a person's task stored
// under the person's other subject (the ID number, or 户编号/姓名). A household's own tasks
// (subject = household) are not a person's and are left out.
func (s *Store) OpenTasksOf(ctx context.Context, households, subjects []string) ([]TaskRow, error) {
	var out []TaskRow
	seen := map[string]bool{}
	for _, by := range []struct {
		index, column string
		values        []string
	}{{"tasks_open_household", "household", households}, {"tasks_open_subject", "subject", subjects}} {
		for start := 0; start < len(by.values); start += 400 {
			chunk := anys(by.values[start:min(start+400, len(by.values))])
			rows, err := s.db.QueryContext(ctx, `SELECT `+taskCols+` FROM tasks INDEXED BY `+by.index+`
				WHERE state = 'open' AND `+by.column+` IN (`+placeholders(len(chunk))+`) AND subject <> household`, chunk...)
			if err != nil {
				return nil, fmt.Errorf("open tasks: %w", err)
			}
			for rows.Next() {
				t, err := scanTask(rows)
				if err != nil {
					rows.Close()
					return nil, fmt.Errorf("open tasks: %w", err)
				}
				if !seen[t.ID] {
					seen[t.ID] = true
					out = append(out, t)
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("open tasks: %w", err)
			}
		}
	}
	return out, nil
}
