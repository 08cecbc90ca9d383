using System.Text;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>\? as psql 15.18 prints it, with the current settings it mentions.</summary>
internal sealed partial class SimpsqlSession
{
    /// <summary>
    /// \? [commands|options|variables]: psql's list of backslash commands (also for any other topic, as psql),
    /// simpsql's usage for "options", psql's list of special variables for "variables".
    /// </summary>
    private void HelpCommand(QueryScanner scanner)
    {
        string? topic = scanner.ReadArgument();
        string text = topic switch
        {
            "options" => SimpsqlCommand.UsageText(Environment),
            "variables" => VariablesHelp.Text,
            _ => BackslashHelp(),
        };
        // Like psql, on standard output even while \o sends query results elsewhere, and paged.
        WritePaged(text, CountLines(text), _stdoutText);
    }

    /// <summary>The text of \? with the states of \H, \t, \x and \timing and the current database.</summary>
    internal string BackslashHelp() => BackslashHelp(Print, Timing, Client.Session.Database);

    /// <summary>The text of \? for these settings; a null <paramref name="currentDatabase"/> is "no connection" (--help=commands).</summary>
    internal static string BackslashHelp(PrintOptions print, bool timingOn, string? currentDatabase)
    {
        string html = print.Format == OutputFormat.Html ? "on" : "off";
        string tuplesOnly = print.TuplesOnly ? "on" : "off";
        string expanded = print.Expanded switch
        {
            ExpandedMode.On => "on",
            ExpandedMode.Auto => "auto",
            _ => "off",
        };
        string timing = timingOn ? "on" : "off";
        string database = currentDatabase is null ? "(currently no connection)" : $"(currently \"{currentDatabase}\")";
        return
        $"General\n" +
        $"  \\copyright             show PostgreSQL usage and distribution terms\n" +
        $"  \\crosstabview [COLUMNS] execute query and display result in crosstab\n" +
        $"  \\errverbose            show most recent error message at maximum verbosity\n" +
        $"  \\g [(OPTIONS)] [FILE]  execute query (and send result to file or |pipe);\n" +
        $"                         \\g with no arguments is equivalent to a semicolon\n" +
        $"  \\gdesc                 describe result of query, without executing it\n" +
        $"  \\gexec                 execute query, then execute each value in its result\n" +
        $"  \\gset [PREFIX]         execute query and store result in psql variables\n" +
        $"  \\gx [(OPTIONS)] [FILE] as \\g, but forces expanded output mode\n" +
        $"  \\q                     quit simpsql\n" +
        $"  \\restrict RESTRICT_KEY\n" +
        $"                         enter restricted mode with provided key\n" +
        $"  \\unrestrict RESTRICT_KEY\n" +
        $"                         exit restricted mode if key matches\n" +
        $"  \\watch [SEC]           execute query every SEC seconds\n" +
        $"\n" +
        $"Help\n" +
        $"  \\? [commands]          show help on backslash commands\n" +
        $"  \\? options             show help on psql command-line options\n" +
        $"  \\? variables           show help on special variables\n" +
        $"  \\h [NAME]              list SQL commands, or link to the documentation of NAME\n" +
        $"\n" +
        $"Query Buffer\n" +
        $"  \\e [FILE] [LINE]       edit the query buffer (or file) with external editor\n" +
        $"  \\ef [FUNCNAME [LINE]]  edit function definition with external editor\n" +
        $"  \\ev [VIEWNAME [LINE]]  edit view definition with external editor\n" +
        $"  \\p                     show the contents of the query buffer\n" +
        $"  \\r                     reset (clear) the query buffer\n" +
        $"  \\s [FILE]              display history or save it to file\n" +
        $"  \\w FILE                write query buffer to file\n" +
        $"\n" +
        $"Input/Output\n" +
        $"  \\copy ...              perform SQL COPY with data stream to the client host\n" +
        $"  \\echo [-n] [STRING]    write string to standard output (-n for no newline)\n" +
        $"  \\i FILE                execute commands from file\n" +
        $"  \\ir FILE               as \\i, but relative to location of current script\n" +
        $"  \\o [FILE]              send all query results to file or |pipe\n" +
        $"  \\qecho [-n] [STRING]   write string to \\o output stream (-n for no newline)\n" +
        $"  \\warn [-n] [STRING]    write string to standard error (-n for no newline)\n" +
        $"\n" +
        $"Conditional\n" +
        $"  \\if EXPR               begin conditional block\n" +
        $"  \\elif EXPR             alternative within current conditional block\n" +
        $"  \\else                  final alternative within current conditional block\n" +
        $"  \\endif                 end conditional block\n" +
        $"\n" +
        $"Informational\n" +
        $"  (options: S = show system objects, + = additional detail)\n" +
        $"  \\d[S+]                 list tables, views, and sequences\n" +
        $"  \\d[S+]  NAME           describe table, view, sequence, or index\n" +
        $"  \\da[S]  [PATTERN]      list aggregates\n" +
        $"  \\dA[+]  [PATTERN]      list access methods\n" +
        $"  \\dAc[+] [AMPTRN [TYPEPTRN]]  list operator classes\n" +
        $"  \\dAf[+] [AMPTRN [TYPEPTRN]]  list operator families\n" +
        $"  \\dAo[+] [AMPTRN [OPFPTRN]]   list operators of operator families\n" +
        $"  \\dAp[+] [AMPTRN [OPFPTRN]]   list support functions of operator families\n" +
        $"  \\db[+]  [PATTERN]      list tablespaces\n" +
        $"  \\dc[S+] [PATTERN]      list conversions\n" +
        $"  \\dconfig[+] [PATTERN]  list configuration parameters\n" +
        $"  \\dC[+]  [PATTERN]      list casts\n" +
        $"  \\dd[S]  [PATTERN]      show object descriptions not displayed elsewhere\n" +
        $"  \\dD[S+] [PATTERN]      list domains\n" +
        $"  \\ddp    [PATTERN]      list default privileges\n" +
        $"  \\dE[S+] [PATTERN]      list foreign tables\n" +
        $"  \\des[+] [PATTERN]      list foreign servers\n" +
        $"  \\det[+] [PATTERN]      list foreign tables\n" +
        $"  \\deu[+] [PATTERN]      list user mappings\n" +
        $"  \\dew[+] [PATTERN]      list foreign-data wrappers\n" +
        $"  \\df[anptw][S+] [FUNCPTRN [TYPEPTRN ...]]\n" +
        $"                         list [only agg/normal/procedure/trigger/window] functions\n" +
        $"  \\dF[+]  [PATTERN]      list text search configurations\n" +
        $"  \\dFd[+] [PATTERN]      list text search dictionaries\n" +
        $"  \\dFp[+] [PATTERN]      list text search parsers\n" +
        $"  \\dFt[+] [PATTERN]      list text search templates\n" +
        $"  \\dg[S+] [PATTERN]      list roles\n" +
        $"  \\di[S+] [PATTERN]      list indexes\n" +
        $"  \\dl[+]                 list large objects, same as \\lo_list\n" +
        $"  \\dL[S+] [PATTERN]      list procedural languages\n" +
        $"  \\dm[S+] [PATTERN]      list materialized views\n" +
        $"  \\dn[S+] [PATTERN]      list schemas\n" +
        $"  \\do[S+] [OPPTRN [TYPEPTRN [TYPEPTRN]]]\n" +
        $"                         list operators\n" +
        $"  \\dO[S+] [PATTERN]      list collations\n" +
        $"  \\dp     [PATTERN]      list table, view, and sequence access privileges\n" +
        $"  \\dP[itn+] [PATTERN]    list [only index/table] partitioned relations [n=nested]\n" +
        $"  \\drds [ROLEPTRN [DBPTRN]] list per-database role settings\n" +
        $"  \\dRp[+] [PATTERN]      list replication publications\n" +
        $"  \\dRs[+] [PATTERN]      list replication subscriptions\n" +
        $"  \\ds[S+] [PATTERN]      list sequences\n" +
        $"  \\dt[S+] [PATTERN]      list tables\n" +
        $"  \\dT[S+] [PATTERN]      list data types\n" +
        $"  \\du[S+] [PATTERN]      list roles\n" +
        $"  \\dv[S+] [PATTERN]      list views\n" +
        $"  \\dx[+]  [PATTERN]      list extensions\n" +
        $"  \\dX     [PATTERN]      list extended statistics\n" +
        $"  \\dy[+]  [PATTERN]      list event triggers\n" +
        $"  \\l[+]   [PATTERN]      list databases\n" +
        $"  \\sf[+]  FUNCNAME       show a function's definition\n" +
        $"  \\sv[+]  VIEWNAME       show a view's definition\n" +
        $"  \\z      [PATTERN]      same as \\dp\n" +
        $"\n" +
        $"Large Objects\n" +
        $"  \\lo_export LOBOID FILE write large object to file\n" +
        $"  \\lo_import FILE [COMMENT]\n" +
        $"                         read large object from file\n" +
        $"  \\lo_list[+]            list large objects\n" +
        $"  \\lo_unlink LOBOID      delete a large object\n" +
        $"\n" +
        $"Formatting\n" +
        $"  \\a                     toggle between unaligned and aligned output mode\n" +
        $"  \\C [STRING]            set table title, or unset if none\n" +
        $"  \\f [STRING]            show or set field separator for unaligned query output\n" +
        $"  \\H                     toggle HTML output mode (currently {html})\n" +
        $"  \\pset [NAME [VALUE]]   set table output option\n" +
        $"                         (border|columns|csv_fieldsep|expanded|fieldsep|\n" +
        $"                         fieldsep_zero|footer|format|linestyle|null|\n" +
        $"                         numericlocale|pager|pager_min_lines|recordsep|\n" +
        $"                         recordsep_zero|tableattr|title|tuples_only|\n" +
        $"                         unicode_border_linestyle|unicode_column_linestyle|\n" +
        $"                         unicode_header_linestyle)\n" +
        $"  \\t [on|off]            show only rows (currently {tuplesOnly})\n" +
        $"  \\T [STRING]            set HTML <table> tag attributes, or unset if none\n" +
        $"  \\x [on|off|auto]       toggle expanded output (currently {expanded})\n" +
        $"\n" +
        $"Connection\n" +
        $"  \\c[onnect] {{[DBNAME|- USER|- HOST|- PORT|-] | conninfo}}\n" +
        $"                         connect to new database {database}\n" +
        $"  \\conninfo              display information about current connection\n" +
        $"  \\encoding [ENCODING]   show or set client encoding\n" +
        $"  \\password [USERNAME]   securely change the password for a user\n" +
        $"\n" +
        $"Operating System\n" +
        $"  \\cd [DIR]              change the current working directory\n" +
        $"  \\getenv PSQLVAR ENVVAR fetch environment variable\n" +
        $"  \\setenv NAME [VALUE]   set or unset environment variable\n" +
        $"  \\timing [on|off]       toggle timing of commands (currently {timing})\n" +
        $"  \\! [COMMAND]           execute command in shell or start interactive shell\n" +
        $"\n" +
        $"Variables\n" +
        $"  \\prompt [TEXT] NAME    prompt user to set internal variable\n" +
        $"  \\set [NAME [VALUE]]    set internal variable, or list all if no parameters\n" +
        $"  \\unset NAME            unset (delete) internal variable\n";
    }
}
