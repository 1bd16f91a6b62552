/*
 * service_cpus.c — which CPU each of cf-simulator's workers runs on
 * (simulator.pin_workers).
 *
 * A fight is a chain of requests and replies: the worker writes a call, a
 * bot wakes and answers, the worker wakes again, a few hundred times a
 * fight, one side running at a time. Left to the scheduler, a woken side
 * is often placed on another CPU than the one that woke it (the other was
 * idle): on a virtual machine each such wake-up is an inter-processor
 * interrupt, a VM exit, and a process running cache-cold. So each fight
 * worker is pinned to one CPU before it starts its sandbox; its forkserver
 * and bots inherit it, and the whole chain stays on that CPU, the fight
 * workers spread over the CPUs the service may use in turn
 * (docs/performance.md, "Sixth pass": a fight's CPU 15 → 10.5 ms, the
 * pipeline 80 → 130 fights/s). The parent, which waits on Redis, and the
 * arcade workers (service_slots.c) are left free.
 */
#include <errno.h>
#include <sched.h>

#include "service.h"

int svc_cpus_allowed(cpu_set_t *set)
{
    CPU_ZERO(set);
    if (sched_getaffinity(0, sizeof *set, set) != 0)
        return -1;
    return CPU_COUNT(set);
}

int svc_cpus_of_fight_worker(const cpu_set_t *allowed, int count, int k)
{
    if (count <= 0 || k < 0)
        return -1;
    int nth = k % count;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, allowed) && nth-- == 0)
            return cpu;
    return -1;
}

int svc_cpus_pin(const cpu_set_t *allowed, int count, int k)
{
    int cpu = svc_cpus_of_fight_worker(allowed, count, k);
    if (cpu < 0) {
        errno = EINVAL;
        return -1;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return -1;
    return cpu;
}
