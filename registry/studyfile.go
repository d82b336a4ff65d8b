package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseStudyFile reads a study definition (YAML, or JSON, which is YAML too). Every error
// names the file, the line and the field, so that a study team can fix the file they keep
// in version control.
func ParseStudyFile(name string, data []byte) (*Study, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errorf(EINVALID, "%s: %v", name, err)
	}
	if len(root.Content) == 0 {
		return nil, Errorf(EINVALID, "%s: the file is empty", name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Study
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errorf(EINVALID, "%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	err := s.Validate()
	var e *Error
	if !errors.As(err, &e) {
		return &s, err
	}
	paths := make([]string, 0, len(e.Fields))
	for p := range e.Fields {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		li, lj := lineOf(&root, paths[i]), lineOf(&root, paths[j])
		if li != lj {
			return li < lj
		}
		return paths[i] < paths[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s:", name, e.Message)
	for _, p := range paths {
		fmt.Fprintf(&b, "\n  line %d: %s: %s", lineOf(&root, p), p, e.Fields[p])
	}
	return nil, &Error{Code: EINVALID, Message: b.String(), Fields: e.Fields}
}

// lineOf finds the line of a field path such as "measures[2].max" in a YAML document, or
// of the nearest enclosing node that exists.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, step := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
		next := child(n, step)
		if next == nil {
			break
		}
		n = next
	}
	return n.Line
}

func child(n *yaml.Node, step string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == step {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(step); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}
