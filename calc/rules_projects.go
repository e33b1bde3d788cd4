package calc

// evalProjects applies clause （四）（五）（六）. TODO(rules): not yet implemented.
func evalProjects(e *eval) {}
