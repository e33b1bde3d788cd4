package calc

// evalSafetyNet applies clause （十三）（十四）（十五）. TODO(rules): not yet implemented.
func evalSafetyNet(e *eval) {}
