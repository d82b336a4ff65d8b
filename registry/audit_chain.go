package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// The audit trail is a hash chain (migration 0006): row seq n stores prev_hash, the hash of
// row n-1 (32 zero bytes for row 1), and hash = sha256(prev_hash || content). Verification
// recomputes every hash here, in Go, so that a superuser who replaces the database's
// functions cannot change what is checked.

// chainRow is an audit row as the chain covers it.
type chainRow struct {
	seq                        *int64
	id                         int64
	at                         time.Time
	userID, studyID, patientID *int64
	actor, action, entity      string
	entityID, reason           string
	before, after              *string
	prevHash, hash             []byte
}

// content returns the bytes the row's hash covers: each field as "length:text", or "N"
// for NULL, in the order of audit_log_content() in migration 0006.
func (r *chainRow) content() []byte {
	var b bytes.Buffer
	field := func(v *string) {
		if v == nil {
			b.WriteString("N")
			return
		}
		b.WriteString(strconv.Itoa(len(*v)))
		b.WriteByte(':')
		b.WriteString(*v)
	}
	str := func(s string) *string { return &s }
	num := func(n *int64) *string {
		if n == nil {
			return nil
		}
		return str(strconv.FormatInt(*n, 10))
	}
	field(num(r.seq))
	field(str(strconv.FormatInt(r.id, 10)))
	field(str(r.at.UTC().Format("2006-01-02T15:04:05.000000Z")))
	field(num(r.userID))
	field(str(r.actor))
	field(str(r.action))
	field(str(r.entity))
	field(str(r.entityID))
	field(num(r.studyID))
	field(num(r.patientID))
	field(r.before)
	field(r.after)
	field(str(r.reason))
	return b.Bytes()
}

func chainHash(prev []byte, content []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(content)
	return h.Sum(nil)
}

// AuditChainBreak is the first place where the audit trail is not what was written.
type AuditChainBreak struct {
	Seq     int64 // 0 when the row has no place in the chain
	ID      int64 // the row's id; 0 when the row is missing
	Problem string
}

func (b *AuditChainBreak) Error() string { return b.Problem }

// AuditChainStatus is the result of a verification.
type AuditChainStatus struct {
	Rows     int64
	LastSeq  int64
	LastHash string // hex
	Break    *AuditChainBreak
}

// VerifyAuditChain walks the whole audit trail in chain order and reports the first row
// that was changed, deleted, or inserted out of order.
func (s *Store) VerifyAuditChain(ctx context.Context) (AuditChainStatus, error) {
	var st AuditChainStatus
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return st, fmt.Errorf("verify audit trail: %w", err)
	}
	defer tx.Rollback(ctx)
	// One snapshot for the rows and the head.
	if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		return st, fmt.Errorf("verify audit trail: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT seq, id, at, user_id, actor, action, entity, entity_id, study_id, patient_id,
			before::text, after::text, reason, prev_hash, hash
		FROM audit_log ORDER BY seq NULLS LAST, id`)
	if err != nil {
		return st, fmt.Errorf("verify audit trail: %w", err)
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	next := int64(1)
	fail := func(seq, id int64, format string, args ...any) {
		if st.Break == nil {
			st.Break = &AuditChainBreak{Seq: seq, ID: id, Problem: fmt.Sprintf(format, args...)}
		}
	}
	for rows.Next() {
		var r chainRow
		if err := rows.Scan(&r.seq, &r.id, &r.at, &r.userID, &r.actor, &r.action, &r.entity, &r.entityID,
			&r.studyID, &r.patientID, &r.before, &r.after, &r.reason, &r.prevHash, &r.hash); err != nil {
			return st, fmt.Errorf("verify audit trail: %w", err)
		}
		st.Rows++
		if st.Break != nil {
			continue // count the rest
		}
		switch {
		case r.seq == nil:
			fail(0, r.id, "audit row id %d has no place in the chain: it was inserted with the chain's trigger off", r.id)
		case *r.seq > next:
			if *r.seq == next+1 {
				fail(next, 0, "audit row seq %d is missing: it was deleted (the chain goes on at seq %d, id %d)", next, *r.seq, r.id)
			} else {
				fail(next, 0, "audit rows seq %d to %d are missing: they were deleted (the chain goes on at seq %d, id %d)", next, *r.seq-1, *r.seq, r.id)
			}
		case *r.seq < next:
			fail(*r.seq, r.id, "audit row seq %d (id %d) appears twice in the chain: it was inserted out of order", *r.seq, r.id)
		case !bytes.Equal(r.prevHash, prev):
			fail(*r.seq, r.id, "audit row seq %d (id %d) does not follow row seq %d: it was inserted out of order, or the rows around it were replaced", *r.seq, r.id, *r.seq-1)
		case !bytes.Equal(chainHash(prev, r.content()), r.hash):
			fail(*r.seq, r.id, "audit row seq %d (id %d) was changed after it was written: its content no longer matches its hash", *r.seq, r.id)
		default:
			prev = r.hash
			st.LastSeq = *r.seq
			next++
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("verify audit trail: %w", err)
	}
	st.LastHash = hex.EncodeToString(prev)
	if st.Break != nil {
		return st, nil
	}
	var headSeq int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_chain`).Scan(&headSeq, &headHash); err != nil {
		return st, fmt.Errorf("verify audit trail: read the chain's head: %w", err)
	}
	switch {
	case headSeq > st.LastSeq:
		fail(st.LastSeq+1, 0, "audit rows after seq %d are missing: they were deleted (the chain's head says %d rows were written)", st.LastSeq, headSeq)
	case headSeq < st.LastSeq || !bytes.Equal(headHash, prev):
		fail(headSeq+1, 0, "the audit trail does not end where its head says (seq %d): rows were added or replaced at its end without the chain's trigger", headSeq)
	}
	return st, nil
}

// AuditChainColumns are the columns of ExportAuditChain's CSV, in order.
var AuditChainColumns = []string{"seq", "id", "at", "user_id", "actor", "action", "entity", "entity_id",
	"study_id", "patient_id", "before", "after", "reason", "prev_hash", "hash"}

// ExportAuditChain writes the whole audit trail with its hashes as CSV (header line, then
// one line per row in chain order), for archiving outside the database, and records the
// export in the trail. Times are UTC with microseconds, hashes hex, exactly the text the
// hashes cover, so the file can be checked on its own.
func (s *Store) ExportAuditChain(ctx context.Context, w io.Writer, who Actor) (rows int64, err error) {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("export audit trail: %w", err)
	}
	defer conn.Release()
	tag, err := conn.Conn().PgConn().CopyTo(ctx, w, `COPY (
		SELECT seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, user_id,
			actor, action, entity, entity_id, study_id, patient_id, before::text AS before, after::text AS after,
			reason, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
		FROM audit_log ORDER BY seq NULLS LAST, id) TO STDOUT WITH (FORMAT csv, HEADER)`)
	if err != nil {
		return 0, fmt.Errorf("export audit trail: %w", err)
	}
	rows = tag.RowsAffected()
	err = s.Audit(ctx, who, AuditEntry{Action: "export", Entity: "audit_trail", EntityID: "audit_chain",
		After: map[string]any{"rows": rows, "complete": true}})
	return rows, err
}

// CompareAuditExport checks the audit trail against an earlier ExportAuditChain file: every
// row the file holds must still be in the chain at the same place with the same hash. This
// catches what the chain alone cannot: someone with superuser rights who rewrote rows and
// then recomputed every hash after them.
func (s *Store) CompareAuditExport(ctx context.Context, export io.Reader) (rows int64, brk *AuditChainBreak, err error) {
	cr := csv.NewReader(export)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return 0, nil, Errorf(EINVALID, "the export file has no header line: %v", err)
	}
	seqCol, hashCol := slices.Index(header, "seq"), slices.Index(header, "hash")
	if seqCol < 0 || hashCol < 0 {
		return 0, nil, Errorf(EINVALID, "the export file has no seq and hash columns: it is not from 'registry audit export'")
	}
	dbRows, err := s.DB.Query(ctx, `SELECT seq, encode(hash, 'hex') FROM audit_log WHERE seq IS NOT NULL ORDER BY seq`)
	if err != nil {
		return 0, nil, fmt.Errorf("compare audit trail: %w", err)
	}
	defer dbRows.Close()
	var dbSeq int64
	var dbHash string
	dbDone := false
	nextDB := func() error {
		if dbRows.Next() {
			return dbRows.Scan(&dbSeq, &dbHash)
		}
		dbDone = true
		return dbRows.Err()
	}
	if err := nextDB(); err != nil {
		return 0, nil, fmt.Errorf("compare audit trail: %w", err)
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil, nil
		}
		if err != nil {
			return rows, nil, Errorf(EINVALID, "the export file: %v", err)
		}
		seq, err := strconv.ParseInt(rec[seqCol], 10, 64)
		if err != nil {
			return rows, nil, Errorf(EINVALID, "the export file, line %d: seq %q is not a number", line, rec[seqCol])
		}
		rows++
		for !dbDone && dbSeq < seq {
			if err := nextDB(); err != nil {
				return rows, nil, fmt.Errorf("compare audit trail: %w", err)
			}
		}
		switch {
		case dbDone || dbSeq != seq:
			return rows, &AuditChainBreak{Seq: seq, Problem: fmt.Sprintf("audit row seq %d of the export is no longer in the audit trail: it was deleted", seq)}, nil
		case dbHash != rec[hashCol]:
			return rows, &AuditChainBreak{Seq: seq, Problem: fmt.Sprintf("audit row seq %d differs from the export: it was rewritten since (and the chain recomputed after it)", seq)}, nil
		}
	}
}
