/* The lock algorithms vmsim knows. To add one: a new file defining a
 * lock_ops, its extern line and one line in lock_registry. */
#include "models/locks/lock.h"

extern const lock_ops lock_ticket_ops, lock_tas_ops, lock_mcs_ops, lock_pv_ticket_ops,
    lock_pvqspinlock_ops, lock_oticket_ops, lock_preemptable_ticket_ops;

const lock_reg lock_registry[] = {
    {"ticket", &lock_ticket_ops},
    {"tas", &lock_tas_ops},
    {"mcs", &lock_mcs_ops},
    {"pv-ticket", &lock_pv_ticket_ops},
    {"pvqspinlock", &lock_pvqspinlock_ops},
    {"oticket", &lock_oticket_ops},
    {"preemptable-ticket", &lock_preemptable_ticket_ops},
};
const int lock_nregistry = (int)(sizeof lock_registry / sizeof lock_registry[0]);
