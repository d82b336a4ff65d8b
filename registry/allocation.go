package registry

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"
)

// Allocation is how the registry chose a patient's arm: the permuted block and the position
// in it. It is what the allocation's audit row records.
type Allocation struct {
	Arm       Arm    `json:"-"`
	ArmCode   string `json:"arm"`
	BlockNo   int    `json:"block"`
	BlockSize int    `json:"block_size"`
	Position  int    `json:"position"` // 1-based
}

// blockMultiples are the block sizes drawn, as multiples of the number of arms: for two arms,
// blocks of 2, 4 or 6, so that the next arm cannot be guessed from the last ones.
var blockMultiples = []int{1, 2, 3}

// allocate takes the next arm of the study and site's current permuted block, drawing a new
// block of random size when the current one is used up. Blocks are stored whole, so each
// allocation can be traced; an advisory lock serialises enrolments of one study and site.
func allocate(ctx context.Context, tx pgx.Tx, st *Study, siteID int64) (*Allocation, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, $2::int)`, int32(st.ID), int32(siteID)); err != nil {
		return nil, fmt.Errorf("lock allocation: %w", err)
	}
	var blockNo, used int
	var armIDs []int64
	err := tx.QueryRow(ctx, `SELECT block_no, arm_ids, used FROM allocation_blocks
		WHERE study_id = $1 AND site_id = $2 ORDER BY block_no DESC LIMIT 1`, st.ID, siteID).Scan(&blockNo, &armIDs, &used)
	if err != nil && err != pgx.ErrNoRows {
		return nil, fmt.Errorf("read allocation block: %w", err)
	}
	if err == pgx.ErrNoRows || used >= len(armIDs) {
		blockNo, used, armIDs = blockNo+1, 0, permutedBlock(st.Arms)
		if _, err := tx.Exec(ctx, `INSERT INTO allocation_blocks (study_id, site_id, block_no, arm_ids) VALUES ($1, $2, $3, $4)`,
			st.ID, siteID, blockNo, armIDs); err != nil {
			return nil, fmt.Errorf("store allocation block: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE allocation_blocks SET used = used + 1 WHERE study_id = $1 AND site_id = $2 AND block_no = $3`,
		st.ID, siteID, blockNo); err != nil {
		return nil, fmt.Errorf("use allocation block: %w", err)
	}
	a := &Allocation{BlockNo: blockNo, BlockSize: len(armIDs), Position: used + 1}
	for _, arm := range st.Arms {
		if arm.ID == armIDs[used] {
			a.Arm, a.ArmCode = arm, arm.Code
		}
	}
	if a.ArmCode == "" {
		return nil, fmt.Errorf("allocation block %d names an arm the study no longer has", blockNo)
	}
	return a, nil
}

// permutedBlock returns every arm the same number of times, in random order.
func permutedBlock(arms []Arm) []int64 {
	k := blockMultiples[rand.IntN(len(blockMultiples))]
	var block []int64
	for range k {
		for _, a := range arms {
			block = append(block, a.ID)
		}
	}
	rand.Shuffle(len(block), func(i, j int) { block[i], block[j] = block[j], block[i] })
	return block
}
