namespace PgWire.Host.Simpsql;

/// <summary>\? variables (and --help=variables): psql 15's list of the variables, \pset settings and environment variables it treats specially.</summary>
internal static class VariablesHelp
{
    /// <summary>The text, as psql 15 prints it (in its words, naming psql).</summary>
    public const string Text =
        "List of specially treated variables\n" +
        "\n" +
        "psql variables:\n" +
        "Usage:\n" +
        "  psql --set=NAME=VALUE\n" +
        "  or \\set NAME VALUE inside psql\n" +
        "\n" +
        "  AUTOCOMMIT\n" +
        "    if set, successful SQL commands are automatically committed\n" +
        "  COMP_KEYWORD_CASE\n" +
        "    determines the case used to complete SQL key words\n" +
        "    [lower, upper, preserve-lower, preserve-upper]\n" +
        "  DBNAME\n" +
        "    the currently connected database name\n" +
        "  ECHO\n" +
        "    controls what input is written to standard output\n" +
        "    [all, errors, none, queries]\n" +
        "  ECHO_HIDDEN\n" +
        "    if set, display internal queries executed by backslash commands;\n" +
        "    if set to \"noexec\", just show them without execution\n" +
        "  ENCODING\n" +
        "    current client character set encoding\n" +
        "  ERROR\n" +
        "    true if last query failed, else false\n" +
        "  FETCH_COUNT\n" +
        "    the number of result rows to fetch and display at a time (0 = unlimited)\n" +
        "  HIDE_TABLEAM\n" +
        "    if set, table access methods are not displayed\n" +
        "  HIDE_TOAST_COMPRESSION\n" +
        "    if set, compression methods are not displayed\n" +
        "  HISTCONTROL\n" +
        "    controls command history [ignorespace, ignoredups, ignoreboth]\n" +
        "  HISTFILE\n" +
        "    file name used to store the command history\n" +
        "  HISTSIZE\n" +
        "    maximum number of commands to store in the command history\n" +
        "  HOST\n" +
        "    the currently connected database server host\n" +
        "  IGNOREEOF\n" +
        "    number of EOFs needed to terminate an interactive session\n" +
        "  LASTOID\n" +
        "    value of the last affected OID\n" +
        "  LAST_ERROR_MESSAGE\n" +
        "  LAST_ERROR_SQLSTATE\n" +
        "    message and SQLSTATE of last error, or empty string and \"00000\" if none\n" +
        "  ON_ERROR_ROLLBACK\n" +
        "    if set, an error doesn't stop a transaction (uses implicit savepoints)\n" +
        "  ON_ERROR_STOP\n" +
        "    stop batch execution after error\n" +
        "  PORT\n" +
        "    server port of the current connection\n" +
        "  PROMPT1\n" +
        "    specifies the standard psql prompt\n" +
        "  PROMPT2\n" +
        "    specifies the prompt used when a statement continues from a previous line\n" +
        "  PROMPT3\n" +
        "    specifies the prompt used during COPY ... FROM STDIN\n" +
        "  QUIET\n" +
        "    run quietly (same as -q option)\n" +
        "  ROW_COUNT\n" +
        "    number of rows returned or affected by last query, or 0\n" +
        "  SERVER_VERSION_NAME\n" +
        "  SERVER_VERSION_NUM\n" +
        "    server's version (in short string or numeric format)\n" +
        "  SHOW_ALL_RESULTS\n" +
        "    show all results of a combined query (\\;) instead of only the last\n" +
        "  SHOW_CONTEXT\n" +
        "    controls display of message context fields [never, errors, always]\n" +
        "  SINGLELINE\n" +
        "    if set, end of line terminates SQL commands (same as -S option)\n" +
        "  SINGLESTEP\n" +
        "    single-step mode (same as -s option)\n" +
        "  SQLSTATE\n" +
        "    SQLSTATE of last query, or \"00000\" if no error\n" +
        "  USER\n" +
        "    the currently connected database user\n" +
        "  VERBOSITY\n" +
        "    controls verbosity of error reports [default, verbose, terse, sqlstate]\n" +
        "  VERSION\n" +
        "  VERSION_NAME\n" +
        "  VERSION_NUM\n" +
        "    psql's version (in verbose string, short string, or numeric format)\n" +
        "\n" +
        "Display settings:\n" +
        "Usage:\n" +
        "  psql --pset=NAME[=VALUE]\n" +
        "  or \\pset NAME [VALUE] inside psql\n" +
        "\n" +
        "  border\n" +
        "    border style (number)\n" +
        "  columns\n" +
        "    target width for the wrapped format\n" +
        "  csv_fieldsep\n" +
        "    field separator for CSV output format (default \",\")\n" +
        "  expanded (or x)\n" +
        "    expanded output [on, off, auto]\n" +
        "  fieldsep\n" +
        "    field separator for unaligned output (default \"|\")\n" +
        "  fieldsep_zero\n" +
        "    set field separator for unaligned output to a zero byte\n" +
        "  footer\n" +
        "    enable or disable display of the table footer [on, off]\n" +
        "  format\n" +
        "    set output format [unaligned, aligned, wrapped, html, asciidoc, ...]\n" +
        "  linestyle\n" +
        "    set the border line drawing style [ascii, old-ascii, unicode]\n" +
        "  null\n" +
        "    set the string to be printed in place of a null value\n" +
        "  numericlocale\n" +
        "    enable display of a locale-specific character to separate groups of digits\n" +
        "  pager\n" +
        "    control when an external pager is used [yes, no, always]\n" +
        "  recordsep\n" +
        "    record (line) separator for unaligned output\n" +
        "  recordsep_zero\n" +
        "    set record separator for unaligned output to a zero byte\n" +
        "  tableattr (or T)\n" +
        "    specify attributes for table tag in html format, or proportional\n" +
        "    column widths for left-aligned data types in latex-longtable format\n" +
        "  title\n" +
        "    set the table title for subsequently printed tables\n" +
        "  tuples_only\n" +
        "    if set, only actual table data is shown\n" +
        "  unicode_border_linestyle\n" +
        "  unicode_column_linestyle\n" +
        "  unicode_header_linestyle\n" +
        "    set the style of Unicode line drawing [single, double]\n" +
        "\n" +
        "Environment variables:\n" +
        "Usage:\n" +
        "  NAME=VALUE [NAME=VALUE] psql ...\n" +
        "  or \\setenv NAME [VALUE] inside psql\n" +
        "\n" +
        "  COLUMNS\n" +
        "    number of columns for wrapped format\n" +
        "  PGAPPNAME\n" +
        "    same as the application_name connection parameter\n" +
        "  PGDATABASE\n" +
        "    same as the dbname connection parameter\n" +
        "  PGHOST\n" +
        "    same as the host connection parameter\n" +
        "  PGPASSFILE\n" +
        "    password file name\n" +
        "  PGPASSWORD\n" +
        "    connection password (not recommended)\n" +
        "  PGPORT\n" +
        "    same as the port connection parameter\n" +
        "  PGUSER\n" +
        "    same as the user connection parameter\n" +
        "  PSQL_EDITOR, EDITOR, VISUAL\n" +
        "    editor used by the \\e, \\ef, and \\ev commands\n" +
        "  PSQL_EDITOR_LINENUMBER_ARG\n" +
        "    how to specify a line number when invoking the editor\n" +
        "  PSQL_HISTORY\n" +
        "    alternative location for the command history file\n" +
        "  PSQL_PAGER, PAGER\n" +
        "    name of external pager program\n" +
        "  PSQL_WATCH_PAGER\n" +
        "    name of external pager program used for \\watch\n" +
        "  PSQLRC\n" +
        "    alternative location for the user's .psqlrc file\n" +
        "  SHELL\n" +
        "    shell used by the \\! command\n" +
        "  TMPDIR\n" +
        "    directory for temporary files\n";
}
