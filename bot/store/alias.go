package store

import (
	"context"
	"fmt"
)

// OpenTasksOfHouseholds returns the open tasks of these households (through the index of open
// tasks by household): the bot finds among them a person's task stored under the person's other
// subject (the ID number, or 户编号/姓名).
func (s *Store) OpenTasksOfHouseholds(ctx context.Context, households []string) ([]TaskRow, error) {
	var out []TaskRow
	for start := 0; start < len(households); start += 400 {
		chunk := anys(households[start:min(start+400, len(households))])
		rows, err := s.db.QueryContext(ctx, `SELECT `+taskCols+` FROM tasks INDEXED BY tasks_open_household
			WHERE state = 'open' AND household IN (`+placeholders(len(chunk))+`) ORDER BY id`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("open tasks: %w", err)
		}
		for rows.Next() {
			t, err := scanTask(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("open tasks: %w", err)
			}
			out = append(out, t)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("open tasks: %w", err)
		}
	}
	return out, nil
}
