#pragma once
// A test VFS wrapping SQLite's default one. It counts the I/O steps that change files —
// writes, syncs, truncates, deletes — and ends the process at step k, before that step
// happens. In power-loss mode it first undoes every write not yet synced, as a power
// cut would lose them (truncates and deletes are taken as durable: a simplification).
//
// Registered as the default VFS, in a child process only (see every_write_test.cpp).

#include <sqlite3.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

namespace hsync_test::crash_vfs {

inline constexpr int crash_exit_code = 86;

struct settings {
    long crash_at = -1;      // the step that does not happen; -1: never
    bool power_loss = false;
};

namespace detail {

struct undo_record {
    sqlite3_int64 offset;
    std::vector<unsigned char> before;  // what the bytes were
    sqlite3_int64 size_before;          // the file's size before the write
};

struct file {
    sqlite3_file base;  // must be first: SQLite sees this
    sqlite3_file* real;
    std::vector<undo_record>* undo;  // writes since the last sync
    file* next_open;
};

inline sqlite3_vfs* real_vfs = nullptr;
inline sqlite3_vfs vfs{};
inline settings config{};
inline long steps = 0;
inline file* open_files = nullptr;

inline void lose_unsynced_writes() {
    for (file* f = open_files; f; f = f->next_open) {
        auto& undo = *f->undo;
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            f->real->pMethods->xWrite(f->real, it->before.data(), static_cast<int>(it->before.size()), it->offset);
        }
        if (!undo.empty()) f->real->pMethods->xTruncate(f->real, undo.front().size_before);
        f->real->pMethods->xSync(f->real, SQLITE_SYNC_FULL);
        undo.clear();
    }
}

// Counts one step; at the chosen one, the process ends as a crash would end it.
inline void step() {
    if (++steps != config.crash_at) return;
    if (config.power_loss) lose_unsynced_writes();
    std::_Exit(crash_exit_code);
}

inline sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<file*>(f)->real; }

inline int x_close(sqlite3_file* f) {
    file* me = reinterpret_cast<file*>(f);
    for (file** p = &open_files; *p; p = &(*p)->next_open) {
        if (*p == me) {
            *p = me->next_open;
            break;
        }
    }
    const int rc = me->real->pMethods ? me->real->pMethods->xClose(me->real) : SQLITE_OK;
    delete me->undo;
    return rc;
}
inline int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}
inline int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    step();
    file* me = reinterpret_cast<file*>(f);
    if (config.power_loss) {
        undo_record r{off, std::vector<unsigned char>(static_cast<std::size_t>(n)), 0};
        me->real->pMethods->xFileSize(me->real, &r.size_before);
        // A short read past the end fills with zeros: fine, truncation restores the size.
        me->real->pMethods->xRead(me->real, r.before.data(), n, off);
        me->undo->push_back(std::move(r));
    }
    return me->real->pMethods->xWrite(me->real, buf, n, off);
}
inline int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    step();
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
inline int x_sync(sqlite3_file* f, int flags) {
    step();
    const int rc = real_of(f)->pMethods->xSync(real_of(f), flags);
    if (rc == SQLITE_OK) reinterpret_cast<file*>(f)->undo->clear();
    return rc;
}
inline int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
inline int x_lock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
inline int x_unlock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
inline int x_check_reserved(sqlite3_file* f, int* out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); }
inline int x_file_control(sqlite3_file* f, int op, void* arg) { return real_of(f)->pMethods->xFileControl(real_of(f), op, arg); }
inline int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
inline int x_device_characteristics(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
inline int x_shm_map(sqlite3_file* f, int pg, int sz, int extend, void volatile** p) {
    return real_of(f)->pMethods->xShmMap(real_of(f), pg, sz, extend, p);
}
inline int x_shm_lock(sqlite3_file* f, int off, int n, int flags) { return real_of(f)->pMethods->xShmLock(real_of(f), off, n, flags); }
inline void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
inline int x_shm_unmap(sqlite3_file* f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
inline int x_fetch(sqlite3_file*, sqlite3_int64, int, void** p) {
    *p = nullptr;  // no memory-mapped reads: every page goes through x_read
    return SQLITE_OK;
}
inline int x_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

inline const sqlite3_io_methods io_methods = {
    3,           x_close,     x_read,           x_write,   x_truncate,   x_sync,
    x_file_size, x_lock,      x_unlock,         x_check_reserved, x_file_control, x_sector_size,
    x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch,
    x_unfetch};

inline int x_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    file* me = reinterpret_cast<file*>(f);
    me->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(file));
    const int rc = real_vfs->xOpen(real_vfs, name, me->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        me->base.pMethods = nullptr;
        return rc;
    }
    me->base.pMethods = &io_methods;
    me->undo = new std::vector<undo_record>();
    me->next_open = open_files;
    open_files = me;
    return SQLITE_OK;
}

inline int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
    step();
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}
inline int x_access(sqlite3_vfs*, const char* name, int flags, int* out) { return real_vfs->xAccess(real_vfs, name, flags, out); }
inline int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}
inline void* x_dl_open(sqlite3_vfs*, const char* name) { return real_vfs->xDlOpen(real_vfs, name); }
inline void x_dl_error(sqlite3_vfs*, int n, char* msg) { real_vfs->xDlError(real_vfs, n, msg); }
inline void (*x_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) { return real_vfs->xDlSym(real_vfs, h, sym); }
inline void x_dl_close(sqlite3_vfs*, void* h) { real_vfs->xDlClose(real_vfs, h); }
inline int x_randomness(sqlite3_vfs*, int n, char* out) { return real_vfs->xRandomness(real_vfs, n, out); }
inline int x_sleep(sqlite3_vfs*, int us) { return real_vfs->xSleep(real_vfs, us); }
inline int x_current_time(sqlite3_vfs*, double* t) { return real_vfs->xCurrentTime(real_vfs, t); }
inline int x_get_last_error(sqlite3_vfs*, int n, char* out) { return real_vfs->xGetLastError(real_vfs, n, out); }
inline int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* t) { return real_vfs->xCurrentTimeInt64(real_vfs, t); }

}  // namespace detail

// Makes the crash VFS the default for every connection opened from now on.
inline void install(settings s) {
    using namespace detail;
    config = s;
    steps = 0;
    real_vfs = sqlite3_vfs_find(nullptr);
    vfs = *real_vfs;
    vfs.zName = "hsync_crash";
    vfs.szOsFile = static_cast<int>(sizeof(file)) + real_vfs->szOsFile;
    vfs.pNext = nullptr;
    vfs.pAppData = nullptr;
    vfs.xOpen = x_open;
    vfs.xDelete = x_delete;
    vfs.xAccess = x_access;
    vfs.xFullPathname = x_full_pathname;
    vfs.xDlOpen = x_dl_open;
    vfs.xDlError = x_dl_error;
    vfs.xDlSym = x_dl_sym;
    vfs.xDlClose = x_dl_close;
    vfs.xRandomness = x_randomness;
    vfs.xSleep = x_sleep;
    vfs.xCurrentTime = x_current_time;
    vfs.xGetLastError = x_get_last_error;
    vfs.xCurrentTimeInt64 = x_current_time_int64;
    vfs.iVersion = 2;  // no xSetSystemCall family: not needed to count steps
    sqlite3_vfs_register(&vfs, 1);
}

inline long steps_taken() { return detail::steps; }

}  // namespace hsync_test::crash_vfs
