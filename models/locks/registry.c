/* The lock algorithms vmsim knows. To add one: a new file defining a
 * variant (its lock_ops and parameter table), its extern line and one line
 * in lock_registry. The first is the default ("ticket"). */
#include "models/locks/lock.h"

extern const variant lock_ticket_variant, lock_tas_variant, lock_mcs_variant, lock_pv_ticket_variant,
    lock_pvqspinlock_variant, lock_oticket_variant, lock_preemptable_ticket_variant,
    lock_oticket_window_variant, lock_oticket_longspin_variant, lock_iticket_variant,
    lock_pvqspinlock_hybrid_variant;

vregistry lock_registry = {
    "lock algorithm",
    "algorithm",
    {&lock_ticket_variant, &lock_tas_variant, &lock_mcs_variant, &lock_pv_ticket_variant,
     &lock_pvqspinlock_variant, &lock_oticket_variant, &lock_preemptable_ticket_variant,
     &lock_oticket_window_variant, &lock_oticket_longspin_variant, &lock_iticket_variant,
     &lock_pvqspinlock_hybrid_variant},
};
