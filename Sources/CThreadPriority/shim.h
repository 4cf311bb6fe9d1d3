// The calling thread's scheduling priority (Linux: a thread is a task with its own nice value).
// Swift cannot call the variadic syscall(2) that gettid needs on older C libraries: wrapped here.
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Raises the calling thread's nice value by `by` (at most 19). Returns the new value, or -1
/// with errno set.
static inline int ratetop_lower_thread_priority(int by) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)tid);
    if (current == -1 && errno != 0) return -1;
    int target = current + by > 19 ? 19 : current + by;
    if (setpriority(PRIO_PROCESS, (id_t)tid, target) != 0) return -1;
    return target;
}
