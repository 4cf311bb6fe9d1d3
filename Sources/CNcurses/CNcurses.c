// CNcurses: see include/CNcurses.h.
#define _GNU_SOURCE 1
#include "CNcurses.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

// MARK: - Sessions

struct CNcurses_Session {
    SCREEN *screen;
    FILE *input;
    FILE *output;
};

static volatile sig_atomic_t openSessions = 0;

static FILE *openStream(int fd, const char *mode, int *error) {
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        *error = errno;
        return NULL;
    }
    FILE *stream = fdopen(copy, mode);
    if (stream == NULL) {
        *error = errno;
        close(copy);
    }
    return stream;
}

CNcurses_Session *CNcurses_open(const char *term, int inputFD, int outputFD,
                                CNcurses_OpenResult *result, int *error) {
    *result = CNcurses_OpenSystemError;
    *error = 0;
    int ownedTTY = -1;
    if (inputFD < 0 || outputFD < 0) {
        ownedTTY = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (ownedTTY < 0) {
            *error = errno;
            return NULL;
        }
        inputFD = ownedTTY;
        outputFD = ownedTTY;
    }
    FILE *input = openStream(inputFD, "r", error);
    FILE *output = input ? openStream(outputFD, "w", error) : NULL;
    if (ownedTTY >= 0) close(ownedTTY);
    if (input == NULL || output == NULL) {
        if (input) fclose(input);
        return NULL;
    }
    CNcurses_Session *session = calloc(1, sizeof *session);
    if (session == NULL) {
        *error = ENOMEM;
        fclose(input);
        fclose(output);
        return NULL;
    }
    // newterm() returns NULL for an unknown or unusable TERM; initscr() would exit(1) instead.
    SCREEN *screen = newterm(term, output, input);
    if (screen == NULL) {
        free(session);
        fclose(input);
        fclose(output);
        *result = CNcurses_OpenUnknownTerminal;
        return NULL;
    }
    set_term(screen);
    // newterm() accepts TERM=dumb and other types that cannot move the cursor; a full-screen
    // view would come out as a stream of characters, so refuse them here.
    char *cursorAddress = tigetstr("cup");
    if (cursorAddress == NULL || cursorAddress == (char *)-1) {
        endwin();
        delscreen(screen);
        free(session);
        fclose(input);
        fclose(output);
        *result = CNcurses_OpenCannotAddressCursor;
        return NULL;
    }
    session->screen = screen;
    session->input = input;
    session->output = output;
    openSessions = openSessions + 1;
    *result = CNcurses_OpenOK;
    return session;
}

void CNcurses_select(CNcurses_Session *session) {
    if (session->screen) set_term(session->screen);
}

void CNcurses_close(CNcurses_Session *session) {
    if (session->screen) {
        set_term(session->screen);
        endwin();
        // Keep the crash handler from calling endwin() on a screen that no longer exists.
        openSessions = openSessions - 1;
        delscreen(session->screen);
        session->screen = NULL;
    }
    if (session->output) fclose(session->output);
    if (session->input) fclose(session->input);
    free(session);
}

int CNcurses_openSessionCount(void) { return (int)openSessions; }

// MARK: - Screen

int CNcurses_configureModes(int escapeDelayMilliseconds) {
    int status = OK;
    // raw, not cbreak: Ctrl-C arrives as byte 3 whatever the signal disposition, and works the
    // same when the terminal is not our controlling terminal (tests, tmux pipes).
    if (raw() == ERR) status = ERR;
    if (noecho() == ERR) status = ERR;
    if (nonl() == ERR) status = ERR;
    if (keypad(stdscr, TRUE) == ERR) status = ERR;
    if (intrflush(stdscr, FALSE) == ERR) status = ERR;
    leaveok(stdscr, TRUE);
    scrollok(stdscr, FALSE);
    set_escdelay(escapeDelayMilliseconds);
    curs_set(0); // ERR when the terminal cannot hide the cursor: harmless.
    return status;
}

static void defineIfMissing(const char *sequence, int code) {
    if (key_defined(sequence) == 0) define_key(sequence, code);
}

void CNcurses_defineFallbackKeys(void) {
    defineIfMissing("\033[A", KEY_UP);
    defineIfMissing("\033[B", KEY_DOWN);
    defineIfMissing("\033[C", KEY_RIGHT);
    defineIfMissing("\033[D", KEY_LEFT);
    defineIfMissing("\033OA", KEY_UP);
    defineIfMissing("\033OB", KEY_DOWN);
    defineIfMissing("\033OC", KEY_RIGHT);
    defineIfMissing("\033OD", KEY_LEFT);
    defineIfMissing("\033[H", KEY_HOME);
    defineIfMissing("\033[F", KEY_END);
    defineIfMissing("\033[1~", KEY_HOME);
    defineIfMissing("\033[4~", KEY_END);
    defineIfMissing("\033[5~", KEY_PPAGE);
    defineIfMissing("\033[6~", KEY_NPAGE);
    defineIfMissing("\033[Z", KEY_BTAB);
}

// MARK: - Output

int CNcurses_putCell(int row, int column, wchar_t character, attr_t attributes, short pair) {
    wchar_t text[2] = {character, L'\0'};
    cchar_t cell;
    if (setcchar(&cell, text, attributes, pair, NULL) == ERR) return ERR;
    return mvwadd_wch(stdscr, row, column, &cell);
}

int CNcurses_columnWidth(wchar_t character) { return wcwidth(character); }

int CNcurses_refresh(void) {
    if (wnoutrefresh(stdscr) == ERR) return ERR;
    return doupdate();
}

int CNcurses_cellAt(int row, int column, wchar_t *character, attr_t *attributes, short *pair) {
    cchar_t cell;
    if (mvwin_wch(stdscr, row, column, &cell) == ERR) return ERR;
    wchar_t text[CCHARW_MAX + 1];
    memset(text, 0, sizeof text);
    if (getcchar(&cell, text, attributes, pair, NULL) == ERR) return ERR;
    *character = text[0];
    return OK;
}

// MARK: - Input

int CNcurses_readKey(int timeoutMilliseconds, int32_t *key) {
    wtimeout(stdscr, timeoutMilliseconds);
    wint_t value = 0;
    int status = wget_wch(stdscr, &value);
    *key = (int32_t)value;
    return status;
}

// MARK: - Signals

static const int terminationSignals[] = {SIGINT, SIGTERM, SIGHUP};
enum { terminationSignalCount = sizeof terminationSignals / sizeof terminationSignals[0] };
static struct sigaction previousTermination[terminationSignalCount];
static int terminationInstallCount = 0;
static volatile sig_atomic_t pendingTermination = 0;

static void onTermination(int signo) { pendingTermination = signo; }

void CNcurses_installTerminationHandlers(void) {
    if (terminationInstallCount++ > 0) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = onTermination;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: let a waiting read return so the flag is seen soon
    for (int i = 0; i < terminationSignalCount; i++) {
        sigaction(terminationSignals[i], &action, &previousTermination[i]);
    }
}

void CNcurses_restoreTerminationHandlers(void) {
    if (terminationInstallCount == 0 || --terminationInstallCount > 0) return;
    for (int i = 0; i < terminationSignalCount; i++) {
        sigaction(terminationSignals[i], &previousTermination[i], NULL);
    }
}

int CNcurses_takeTerminationSignal(void) {
    int signo = (int)pendingTermination;
    pendingTermination = 0;
    return signo;
}

static const int fatalSignals[] = {SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE};
enum { fatalSignalCount = sizeof fatalSignals / sizeof fatalSignals[0] };
static struct sigaction previousFatal[fatalSignalCount];
static volatile sig_atomic_t crashRestoreInstalled = 0;

static void onFatalSignal(int signo, siginfo_t *info, void *context) {
    (void)context;
    if (openSessions > 0) {
        // Not async-signal-safe, like htop's CRT_handleSIGSEGV: the process is dying anyway, and
        // a terminal left in raw mode on the alternate screen is worse.
        endwin();
    }
    for (int i = 0; i < fatalSignalCount; i++) {
        if (fatalSignals[i] == signo) {
            sigaction(signo, &previousFatal[i], NULL);
            break;
        }
    }
    // Hand the signal to the previous handler (the Swift runtime's backtracer, or the default
    // action). A fault the kernel raised (si_code > 0: SIGSEGV, SIGBUS, SIGILL from a Swift
    // trap's ud2, SIGFPE) recurs when we return, because the faulting instruction runs again,
    // so that handler sees the original address. A signal sent by a process (abort(), kill)
    // or a SIGTRAP (int3 does not re-execute) is raised again instead: it stays blocked while
    // this handler runs and is delivered as soon as we return.
    if (info == NULL || info->si_code <= 0 || signo == SIGTRAP) raise(signo);
}

void CNcurses_installCrashRestore(void) {
    if (crashRestoreInstalled) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = onFatalSignal;
    sigemptyset(&action.sa_mask);
    // SA_ONSTACK: use the alternate stack if the Swift runtime set one up (stack overflow).
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    for (int i = 0; i < fatalSignalCount; i++) {
        sigaction(fatalSignals[i], &action, &previousFatal[i]);
    }
    crashRestoreInstalled = 1;
}

// MARK: - Pseudo-terminals

int CNcurses_setWindowSize(int fd, unsigned short rows, unsigned short columns) {
    struct winsize size;
    memset(&size, 0, sizeof size);
    size.ws_row = rows;
    size.ws_col = columns;
    return ioctl(fd, TIOCSWINSZ, &size) == 0 ? 0 : errno;
}

int CNcurses_openPseudoTerminal(int *master, int *slave, unsigned short rows,
                                unsigned short columns) {
    int primary = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (primary < 0) return errno;
    char name[128];
    if (grantpt(primary) != 0 || unlockpt(primary) != 0 || ptsname_r(primary, name, sizeof name) != 0) {
        int error = errno;
        close(primary);
        return error;
    }
    int secondary = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (secondary < 0) {
        int error = errno;
        close(primary);
        return error;
    }
    int error = CNcurses_setWindowSize(primary, rows, columns);
    if (error != 0) {
        close(primary);
        close(secondary);
        return error;
    }
    *master = primary;
    *slave = secondary;
    return 0;
}
