// tlogcheck verifies a certsvc checkpoint and its proofs with Go's own
// golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's golang-golang-x-mod-dev):
// an implementation certsvc did not write. It reads one JSON request on stdin and
// prints "ok", or the first failure and exits 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type request struct {
	VerifierKey      string   `json:"vkey"`
	Note             string   `json:"note"`
	LeafHash         string   `json:"leaf_hash"`
	Index            int64    `json:"index"`
	InclusionProof   []string `json:"inclusion_proof"`
	OldSize          int64    `json:"old_size"`
	OldRoot          string   `json:"old_root"`
	ConsistencyProof []string `json:"consistency_proof"`
}

func hash(s string) tlog.Hash {
	var h tlog.Hash
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != len(h) {
		fail("not a base64 SHA-256 hash: %q", s)
	}
	copy(h[:], raw)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash(s)
	}
	return out
}

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail("request: %v", err)
	}
	verifier, err := note.NewVerifier(req.VerifierKey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open([]byte(req.Note), note.VerifierList(verifier))
	if err != nil {
		fail("note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint: too few lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root := hash(lines[2])
	if req.InclusionProof != nil {
		proof := tlog.RecordProof(hashes(req.InclusionProof))
		if err := tlog.CheckRecord(proof, size, root, req.Index, hash(req.LeafHash)); err != nil {
			fail("inclusion: %v", err)
		}
	}
	if req.ConsistencyProof != nil {
		proof := tlog.TreeProof(hashes(req.ConsistencyProof))
		if err := tlog.CheckTree(proof, size, root, req.OldSize, hash(req.OldRoot)); err != nil {
			fail("consistency: %v", err)
		}
	}
	fmt.Println("ok")
}
