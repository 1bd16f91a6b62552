/*
 * sandbox_apparmor.c — layer 4b: AppArmor, where the kernel has it.
 *
 * The profile "codefights-coderunner" (apparmor/, loaded by the deployment)
 * confines the coderunner by path. There is no exec in a coderunner, so the
 * change is aa_change_profile() on the running process, made before the uid
 * drop. Kernels without AppArmor (this one) report it as absent; a loaded
 * kernel module without our profile is reported as such too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/apparmor.h>
#include <unistd.h>

#include "sandbox.h"

int sandbox_apparmor_probe(sb_layer_status *st)
{
    st->active = false;
    if (access("/sys/kernel/security/apparmor", F_OK) != 0 || aa_is_enabled() != 1) {
        snprintf(st->detail, sizeof st->detail, "absent (kernel has no AppArmor)");
        return 0;
    }
    char line[512];
    bool loaded = false;
    FILE *f = fopen("/sys/kernel/security/apparmor/profiles", "re");
    if (f) {
        size_t n = strlen(SB_APPARMOR_PROFILE);
        while (fgets(line, sizeof line, f))
            if (strncmp(line, SB_APPARMOR_PROFILE, n) == 0 && line[n] == ' ')
                loaded = true;
        fclose(f);
    }
    if (!loaded) {
        snprintf(st->detail, sizeof st->detail, "absent (profile %s not loaded)",
                 SB_APPARMOR_PROFILE);
        return 0;
    }
    st->active = true;
    snprintf(st->detail, sizeof st->detail, "active (profile %s)", SB_APPARMOR_PROFILE);
    return 1;
}

int sandbox_apparmor_apply(char *err, size_t errlen)
{
    if (aa_change_profile(SB_APPARMOR_PROFILE) < 0) {
        snprintf(err, errlen, "aa_change_profile %s: %s", SB_APPARMOR_PROFILE, strerror(errno));
        return -1;
    }
    return 0;
}
