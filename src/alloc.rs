//! The process's allocator: the system's for small runs, mimalloc once a large input is read.
//!
//! A small capture is analysed in a few milliseconds, most of them spent starting the process;
//! the system allocator touches the fewest fresh pages there. A capture of a million exchanges
//! is read on two workers while a third thread keeps or drops each exchange, and the system
//! allocator's frees across threads then cost that thread a third of its time; mimalloc frees
//! them cheaply. So new blocks come from the system allocator until [`large_input`] is called,
//! and from mimalloc after; each block is freed (and grown) by the allocator that made it,
//! which mimalloc tells by its address (`mi_is_in_heap_region`).
//!
//! The binary installs [`Allocator`] as its global allocator. Elsewhere (the library's tests)
//! [`large_input`] changes nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once, never cleared: no block comes from mimalloc before it is set.
static LARGE: AtomicBool = AtomicBool::new(false);

/// The system allocator, then mimalloc.
pub struct Allocator;

/// A large input is about to be read on several threads: new blocks come from mimalloc, which
/// is also asked to give freed memory back to the system at once, so that resident memory
/// stays flat while exchanges are read and dropped by the million. (`mi_option_purge_delay`,
/// by its place in mimalloc's `mi_option_t`.)
pub fn large_input() {
    const PURGE_DELAY: i32 = 15;
    if !LARGE.load(Ordering::Acquire) {
        // SAFETY: sets a number in mimalloc's option table, from the thread that reads the
        // input, before any block comes from mimalloc and before its worker threads start.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
        LARGE.store(true, Ordering::Release);
    }
}

/// Whether `p` came from mimalloc: only possible once [`LARGE`] is set.
fn from_mimalloc(p: *mut u8) -> bool {
    // SAFETY: a read-only question about an address mimalloc may have handed out.
    LARGE.load(Ordering::Acquire)
        && unsafe { libmimalloc_sys::mi_is_in_heap_region(p as *const c_void) }
}

// SAFETY: every block is freed and grown by the allocator that made it (see `from_mimalloc`),
// and both honour the layout's size and alignment.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if LARGE.load(Ordering::Relaxed) {
            unsafe { libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if LARGE.load(Ordering::Relaxed) {
            unsafe { libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if from_mimalloc(p) {
            unsafe { libmimalloc_sys::mi_free(p as *mut c_void) }
        } else {
            unsafe { System.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if from_mimalloc(p) {
            unsafe {
                libmimalloc_sys::mi_realloc_aligned(p as *mut c_void, new_size, layout.align())
                    as *mut u8
            }
        } else {
            unsafe { System.realloc(p, layout, new_size) }
        }
    }
}
