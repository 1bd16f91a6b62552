/*
 * cpu_pin.h — keeping processes that wake each other in turn on one CPU.
 *
 * A fight is a chain of requests and replies: the controller writes a
 * call, a bot wakes and answers, the controller wakes again, a few
 * hundred times a fight, one side running at a time. Left to the
 * scheduler, a woken side is often placed on another CPU than the one
 * that woke it (the other looked idle): on a virtual machine each such
 * wake-up is an inter-processor interrupt, a VM exit and a process running
 * cache-cold. Pinned to one CPU, the whole chain (a controller and the
 * processes it starts, which inherit the pin) stays there
 * (docs/performance.md, "Sixth pass").
 */
#ifndef CF_CPU_PIN_H
#define CF_CPU_PIN_H

#include <sched.h>

/* The CPUs this process may use into *set; how many, -1 (errno) when the
 * kernel would not say. */
int cf_cpus_allowed(cpu_set_t *set);
/* The (n mod count)-th CPU of set (count of them); -1 when there is none. */
int cf_cpu_nth(const cpu_set_t *set, int count, int n);
/* Pins the calling process, and so every process it starts from now on,
 * to cpu. 0, or -1 (errno). */
int cf_cpu_pin(int cpu);
/* Pins the calling process to the CPU it runs on now; that CPU, or -1
 * (errno). */
int cf_cpu_pin_here(void);

#endif
