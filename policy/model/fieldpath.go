package model

import ()

// EntryPath is the path of a map entry: path.key, or path[key].
func EntryPath(p, key string) string {
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return p + "[" + key + "]"
		}
	}
	if key == "" {
		return p + "[]"
	}
	return p + "." + key
}
