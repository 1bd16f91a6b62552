/*
 * cpu_pin.c — keeping processes that wake each other in turn on one CPU
 * (cpu_pin.h says why).
 */
#include "cpu_pin.h"

#include <errno.h>

int cf_cpus_allowed(cpu_set_t *set)
{
    CPU_ZERO(set);
    if (sched_getaffinity(0, sizeof *set, set) != 0)
        return -1;
    return CPU_COUNT(set);
}

int cf_cpu_nth(const cpu_set_t *set, int count, int n)
{
    if (count <= 0 || n < 0)
        return -1;
    int nth = n % count;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, set) && nth-- == 0)
            return cpu;
    return -1;
}

int cf_cpu_pin(int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        errno = EINVAL;
        return -1;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one);
}

int cf_cpu_pin_here(void)
{
    int cpu = sched_getcpu();
    if (cpu < 0)
        return -1;
    return cf_cpu_pin(cpu) == 0 ? cpu : -1;
}
