// CNcurses: the only C that ratetop links against ncurses through.
//
// Swift cannot import ncurses' attribute macros (A_BOLD, COLOR_PAIR(n)) and, under Swift 6
// strict concurrency, must not touch its mutable C globals (stdscr, LINES, COLS, COLORS,
// COLOR_PAIRS, ESCDELAY). Everything Swift needs goes through the `CNcurses_` functions below,
// in the style of swift-nio's `CNIOLinux_` shims. ncurses is single-threaded: call all of these
// from one thread (or one actor) at a time.
#ifndef CNCURSES_H
#define CNCURSES_H

// SwiftPM drops pkg-config's -D flags, so ask for the wide-character API here, before the include.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// MARK: - Sessions

/// One ncurses screen opened with newterm() on a pair of file descriptors. Opaque to Swift.
typedef struct CNcurses_Session CNcurses_Session;

/// Why CNcurses_open failed.
typedef enum {
    CNcurses_OpenOK = 0,
    /// newterm() returned NULL: TERM is unknown, unset, or too limited (dumb, hard-copy).
    CNcurses_OpenUnknownTerminal = 1,
    /// /dev/tty could not be opened, or dup()/fdopen() failed; see the errno out-parameter.
    CNcurses_OpenSystemError = 2,
    /// The terminal type has no cursor addressing (`cup`), e.g. TERM=dumb: nothing to draw on.
    CNcurses_OpenCannotAddressCursor = 3,
} CNcurses_OpenResult;

/// Opens a screen with newterm(). `term` NULL means $TERM. `inputFD`/`outputFD` are dup()ed,
/// so the caller keeps ownership of its descriptors; pass -1 for both to use /dev/tty.
/// Never exits the process (unlike initscr()). On success the new screen is current.
CNcurses_Session *_Nullable CNcurses_open(const char *_Nullable term, int inputFD, int outputFD,
                                          CNcurses_OpenResult *_Nonnull result, int *_Nonnull error);

/// Makes the session's screen current (set_term). Call before any other function when
/// more than one session exists.
void CNcurses_select(CNcurses_Session *_Nonnull session);

/// endwin(), delscreen() and closes the duplicated descriptors. Frees the session.
void CNcurses_close(CNcurses_Session *_Nonnull session);

/// Number of sessions that are open; the crash handler only calls endwin() when this is > 0.
int CNcurses_openSessionCount(void);

// MARK: - Screen

static inline WINDOW *_Nullable CNcurses_stdscr(void) { return stdscr; }
static inline int CNcurses_rows(void) { return stdscr ? getmaxy(stdscr) : 0; }
static inline int CNcurses_columns(void) { return stdscr ? getmaxx(stdscr) : 0; }

/// Sets up input and output modes: raw (Ctrl-C arrives as byte 3), noecho, keypad, no cursor,
/// a short ESCDELAY, no automatic newline translation on output. Returns OK or ERR.
int CNcurses_configureModes(int escapeDelayMilliseconds);

/// Adds CSI forms of keys (ESC [ D for left, ESC [ H for home...) for terminals that send
/// them even after ncurses asked for application mode. Only where terminfo has no binding.
void CNcurses_defineFallbackKeys(void);

// MARK: - Colours and attributes

static inline bool CNcurses_hasColors(void) { return has_colors(); }
/// start_color(); returns OK or ERR.
static inline int CNcurses_startColor(void) { return start_color(); }
/// use_default_colors(); returns OK or ERR. With OK, -1 means the terminal's own colour.
static inline int CNcurses_useDefaultColors(void) { return use_default_colors(); }
static inline int CNcurses_colors(void) { return COLORS; }
static inline int CNcurses_colorPairs(void) { return COLOR_PAIRS; }
static inline int CNcurses_initPair(short pair, short foreground, short background) {
    return init_pair(pair, foreground, background);
}

static inline attr_t CNcurses_attrNormal(void) { return WA_NORMAL; }
static inline attr_t CNcurses_attrBold(void) { return WA_BOLD; }
static inline attr_t CNcurses_attrReverse(void) { return WA_REVERSE; }
static inline attr_t CNcurses_attrDim(void) { return WA_DIM; }
static inline attr_t CNcurses_attrUnderline(void) { return WA_UNDERLINE; }
/// COLOR_PAIR(n) as an attribute (only for the narrow chtype API; cells use the pair argument).
static inline attr_t CNcurses_attrColorPair(short pair) { return (attr_t)COLOR_PAIR(pair); }

// MARK: - Output

/// Writes one wide character with attributes and a colour pair at (row, column) of stdscr,
/// through setcchar() and mvwadd_wch(). Returns OK, or ERR (also for the bottom-right cell,
/// which is written anyway: ncurses just cannot advance the cursor past it).
int CNcurses_putCell(int row, int column, wchar_t character, attr_t attributes, short pair);

/// wcwidth(): the columns `character` takes in the current locale (-1 if not printable).
/// (glibc only declares wcwidth under _XOPEN_SOURCE, which Swift's Glibc module does not set.)
int CNcurses_columnWidth(wchar_t character);

/// werase(stdscr); returns OK or ERR.
static inline int CNcurses_erase(void) { return werase(stdscr); }
/// clearok(curscr): the next doupdate() repaints the whole terminal.
static inline int CNcurses_clearOnNextUpdate(void) { return clearok(curscr, TRUE); }
/// wnoutrefresh(stdscr) then doupdate(); returns OK or ERR.
int CNcurses_refresh(void);

/// Reads the cell at (row, column) of stdscr back with mvwin_wch() and getcchar().
/// Returns OK or ERR. For tests and diagnostics.
int CNcurses_cellAt(int row, int column, wchar_t *_Nonnull character, attr_t *_Nonnull attributes,
                    short *_Nonnull pair);

// MARK: - Input

/// Key codes Swift needs (they are plain integer macros, but keeping them here keeps the
/// list of what ratetop decodes in one place).
enum {
    CNcurses_KEY_CODE_YES = KEY_CODE_YES,
    CNcurses_KEY_RESIZE = KEY_RESIZE,
    CNcurses_KEY_LEFT = KEY_LEFT,
    CNcurses_KEY_RIGHT = KEY_RIGHT,
    CNcurses_KEY_UP = KEY_UP,
    CNcurses_KEY_DOWN = KEY_DOWN,
    CNcurses_KEY_BTAB = KEY_BTAB,
    CNcurses_KEY_ENTER = KEY_ENTER,
    CNcurses_KEY_BACKSPACE = KEY_BACKSPACE,
    CNcurses_KEY_HOME = KEY_HOME,
    CNcurses_KEY_END = KEY_END,
    CNcurses_KEY_PPAGE = KEY_PPAGE,
    CNcurses_KEY_NPAGE = KEY_NPAGE,
    CNcurses_KEY_F0 = KEY_F0,
};

/// wtimeout(stdscr, ms) then wget_wch(stdscr). Returns OK (a character in *key),
/// KEY_CODE_YES (a KEY_* code in *key) or ERR (timeout, or interrupted by a signal).
int CNcurses_readKey(int timeoutMilliseconds, int32_t *_Nonnull key);

// MARK: - Signals

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that only set a flag (no SA_RESTART, so a
/// blocking read returns early). Saves the previous handlers. Counted: each call needs one
/// CNcurses_restoreTerminationHandlers, and only the last one puts the previous handlers back.
void CNcurses_installTerminationHandlers(void);
/// Balances one CNcurses_installTerminationHandlers; the last puts back the previous handlers.
void CNcurses_restoreTerminationHandlers(void);
/// The signal number that asked the process to stop since the last call (0 if none); clears it.
int CNcurses_takeTerminationSignal(void);

/// Installs handlers for SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS and SIGFPE that call endwin()
/// when a session is open (async-signal-unsafe, but what htop does), then put back the previous
/// handler (the Swift runtime's backtracer, or the default action) and re-raise the signal.
/// Idempotent.
void CNcurses_installCrashRestore(void);

// MARK: - Pseudo-terminals (tests and end-to-end harnesses)

/// posix_openpt + grantpt + unlockpt + open(ptsname_r) with the given size.
/// Returns 0, or an errno value.
int CNcurses_openPseudoTerminal(int *_Nonnull master, int *_Nonnull slave, unsigned short rows,
                                unsigned short columns);
/// ioctl(fd, TIOCSWINSZ). Returns 0, or an errno value.
int CNcurses_setWindowSize(int fd, unsigned short rows, unsigned short columns);

#endif
