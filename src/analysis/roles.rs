//! The one table that maps kinds onto the roles the verdict rules read: which series, in
//! which view, plays the heap floor, the memory outside the heap, the page cache... For
//! each role the first candidate the target has is used.

use super::signals::{Signal, View};
use crate::kind::Kind;

/// A role a series plays in the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The post-GC floor of the managed heap: where a leak of the language's objects lives.
    HeapFloor,
    /// The managed heap as scraped, garbage included: a cache that fills in minutes shows
    /// here with a point per scrape where its floor has one per GC cycle.
    HeapRaw,
    /// Off-heap memory held from the language (Node.js Buffers, ArrayBuffers).
    External,
    /// Resident memory, outside the heap when that view exists: native growth.
    Resident,
    /// The cgroup's working set (usage minus inactive file pages): what the kernel
    /// OOM-kills on.
    WorkingSet,
    /// The cgroup's usage, page cache included.
    Usage,
    /// The cgroup's page cache.
    Cache,
    /// What a hard limit counts, as scraped and whole (heap included): the series the
    /// time to the limit is projected on, and where a process's warm-up shows at a point
    /// per scrape when its heap has too few GC cycles to show it.
    Charged,
    /// The memory a Redis holds (`used_memory`): what its maxmemory is compared with.
    Redis,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::HeapFloor,
        Role::HeapRaw,
        Role::External,
        Role::Resident,
        Role::WorkingSet,
        Role::Usage,
        Role::Cache,
        Role::Charged,
        Role::Redis,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::HeapFloor => "heap_floor",
            Role::HeapRaw => "heap",
            Role::External => "external",
            Role::Resident => "resident",
            Role::WorkingSet => "working_set",
            Role::Usage => "usage",
            Role::Cache => "cache",
            Role::Charged => "charged",
            Role::Redis => "redis",
        }
    }

    /// The candidates, most fitting first: (kind, space, view).
    pub fn candidates(self) -> &'static [(Kind, &'static str, View)] {
        match self {
            Role::HeapFloor => &[
                (Kind::HeapSpaceUsed, "old", View::Floor),
                (Kind::HeapUsed, "", View::Floor),
                // The JVM's old generation as scraped falls only when the old generation
                // is collected: its level is the live old objects plus what was promoted.
                (Kind::JvmMemoryUsed, "old", View::Raw),
                // Go's heap in use is bounded by its GC target (the live heap times 1 +
                // GOGC/100): over a window it grows only when the live heap does.
                (Kind::GoHeapInuse, "", View::Raw),
            ],
            Role::HeapRaw => &[(Kind::HeapUsed, "", View::Raw)],
            Role::External => &[(Kind::External, "", View::Raw)],
            Role::Resident => &[
                (Kind::ProcessRss, "", View::OutsideHeap),
                (Kind::ProcessRss, "", View::Raw),
                (Kind::CgroupRss, "", View::OutsideHeap),
                (Kind::CgroupRss, "", View::Raw),
                (Kind::CgroupWorkingSet, "", View::OutsideHeap),
                (Kind::CgroupWorkingSet, "", View::Raw),
            ],
            Role::WorkingSet => &[
                (Kind::CgroupWorkingSet, "", View::OutsideHeap),
                (Kind::CgroupWorkingSet, "", View::Raw),
            ],
            Role::Usage => &[
                (Kind::CgroupUsage, "", View::OutsideHeap),
                (Kind::CgroupUsage, "", View::Raw),
            ],
            Role::Cache => &[(Kind::CgroupCache, "", View::Raw)],
            // As the kernel counts it for a cgroup limit (`Limit::measured_by` decides
            // when a limit is known).
            Role::Charged => &[
                (Kind::CgroupWorkingSet, "", View::Raw),
                (Kind::CgroupRss, "", View::Raw),
                (Kind::ProcessRss, "", View::Raw),
                (Kind::CgroupUsage, "", View::Raw),
            ],
            Role::Redis => &[(Kind::RedisUsed, "", View::Raw)],
        }
    }

    /// Whether the role is part of the process's own heap (its growth is a leak of the
    /// program's objects).
    pub fn is_heap(self) -> bool {
        matches!(self, Role::HeapFloor | Role::HeapRaw | Role::External)
    }
}

/// The signal that plays `role`: the first candidate present.
pub fn pick(signals: &[Signal], role: Role) -> Option<usize> {
    pick_from(signals, role.candidates())
}

/// The signal of the first of `candidates` present.
pub fn pick_from(signals: &[Signal], candidates: &[(Kind, &str, View)]) -> Option<usize> {
    candidates.iter().find_map(|(kind, space, view)| {
        signals
            .iter()
            .position(|s| s.kind == *kind && s.space == *space && s.view == *view)
    })
}
