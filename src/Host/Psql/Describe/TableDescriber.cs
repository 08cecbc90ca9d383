using System.Globalization;
using System.Text;
using PgWire.Host.Simpsql;

namespace PgWire.Host.Psql.Describe;

/// <summary><c>\d NAME</c>: the details of every relation matching a pattern, as psql 15 prints them.</summary>
internal static class TableDescriber
{
    private sealed record RelationInfo(
        string Oid,
        string Schema,
        string Name,
        int Checks,
        char Kind,
        bool HasIndex,
        bool HasRules,
        bool HasTriggers,
        bool RowSecurity,
        bool ForceRowSecurity,
        bool IsPartition,
        string OfType,
        char Persistence,
        char ReplicaIdentity,
        string? AccessMethod,
        string Options,
        string? Tablespace)
    {
        /// <summary>The relation's own tablespace when it is not the database's default, for the kinds psql names it for.</summary>
        public string? ShownTablespace => Kind is 'r' or 'm' or 'i' or 'p' or 'I' or 't' ? Tablespace : null;
    }

    public static async Task<bool> DescribeAsync(
        string pattern, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        // The relations and what each one's queries depend on, in one round trip.
        var sql = new StringBuilder(
            "SELECT c.oid, n.nspname, c.relname, c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers," +
            " c.relrowsecurity, c.relforcerowsecurity, c.relispartition," +
            " CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END," +
            " c.relpersistence, c.relreplident, am.amname," +
            " pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x" +
            " from pg_catalog.unnest(tc.reloptions) x), ', ')," +
            " (SELECT spcname FROM pg_catalog.pg_tablespace WHERE oid = c.reltablespace AND c.reltablespace <> 0)" +
            " FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" +
            " LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)" +
            " LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid) WHERE true");
        if (!DescribeCommands.AppendPattern(sql, pattern, "n.nspname", "c.relname", "pg_catalog.pg_table_is_visible(c.oid)", host))
        {
            return false;
        }

        sql.Append(" ORDER BY 2, 3");
        ResultSet? matches = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (matches is null)
        {
            return false;
        }

        if (matches.Rows.Count == 0)
        {
            if (!host.Quiet)
            {
                host.ReportError($"Did not find any relation named \"{pattern}\".");
            }

            return false;
        }

        foreach (string?[] match in matches.Rows)
        {
            if (!await DescribeOneAsync(match, verbose, host, ct).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> DescribeOneAsync(string?[] r, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        string oid = r[0]!;
        string oidLiteral = NamePattern.Literal(oid);
        var rel = new RelationInfo(
            oid,
            r[1] ?? "",
            r[2] ?? "",
            int.Parse(r[3] ?? "0", CultureInfo.InvariantCulture),
            (r[4] ?? "r")[0],
            r[5] == "t",
            r[6] == "t",
            r[7] == "t",
            r[8] == "t",
            r[9] == "t",
            r[10] == "t",
            r[11] ?? "",
            (r[12] ?? "p")[0],
            (r[13] ?? "d")[0],
            r[14],
            r[15] ?? "",
            r[16]);

        if (rel.Kind == 'S')
        {
            return await DescribeSequenceAsync(rel, host, ct).ConfigureAwait(false);
        }

        bool isIndex = rel.Kind is 'i' or 'I';
        bool showCompression = verbose && rel.Kind is 'r' or 'p' or 'm'
            && host.Client.Session.ServerVersionNumber >= 140000 && !DescribeCommands.IsSet(host, "HIDE_TOAST_COMPRESSION");
        bool showStatsTarget = verbose && rel.Kind is 'r' or 'i' or 'I' or 'm' or 'f' or 'p';
        bool showDescription = verbose && rel.Kind is 'r' or 'v' or 'm' or 'f' or 'p' or 'c';
        var verboseSql = new StringBuilder();
        if (verbose)
        {
            verboseSql.Append(", a.attstorage");
            verboseSql.Append(showCompression ? ", a.attcompression" : ", NULL");
            verboseSql.Append(showStatsTarget
                ? ", CASE WHEN a.attstattarget = -1 THEN NULL ELSE a.attstattarget END"
                : ", NULL");
            verboseSql.Append(showDescription ? ", pg_catalog.col_description(a.attrelid, a.attnum)" : ", NULL");
        }

        string columnsSql = isIndex
            ? "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)," +
              " CASE WHEN a.attnum <= (SELECT i.indnkeyatts FROM pg_catalog.pg_index i WHERE i.indexrelid = " + oidLiteral +
              ") THEN 'yes' ELSE 'no' END, pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, TRUE)" + verboseSql +
              " FROM pg_catalog.pg_attribute a WHERE a.attrelid = " + oidLiteral +
              " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
            : "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)," +
              " (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d" +
              " WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef)," +
              " a.attnotnull," +
              " (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t" +
              " WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation)," +
              " a.attidentity, a.attgenerated" +
              (rel.Kind == 'f'
                  ? ", CASE WHEN attfdwoptions IS NULL THEN '' ELSE '(' || pg_catalog.array_to_string(ARRAY(SELECT" +
                    " pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)" +
                    " FROM pg_catalog.pg_options_to_table(attfdwoptions)), ', ') || ')' END"
                  : "") +
              verboseSql +
              " FROM pg_catalog.pg_attribute a WHERE a.attrelid = " + oidLiteral +
              " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
        // The columns and every footer's query depend on nothing but the relation: all go at once.
        ResultSet attributes = null!;
        var footers = new List<string>();
        var steps = new List<CatalogStep> { CatalogStep.Query(columnsSql, r => attributes = r) };
        if (isIndex)
        {
            PlanIndexFooters(rel, verbose, footers, steps, host);
        }
        else
        {
            PlanTableFooters(rel, verbose, footers, steps, host);
        }

        if (!await CatalogQuery.RunStepsAsync(host, steps, ct).ConfigureAwait(false))
        {
            return false;
        }

        var columns = new List<ResultColumn>();
        var rows = new List<string?[]>();
        if (isIndex)
        {
            columns.AddRange([Text("Column"), Text("Type"), Text("Key?"), Text("Definition")]);
            foreach (string?[] a in attributes.Rows)
            {
                var row = new List<string?> { a[0] ?? "", a[1] ?? "", a[2] ?? "", a[3] ?? "" };
                AddVerboseCells(row, a, 4, showCompression, showStatsTarget, showDescription);
                rows.Add([.. row]);
            }
        }
        else if (rel.Kind == 't')
        {
            // TOAST tables: no collation, nullability or default, as psql.
            columns.AddRange([Text("Column"), Text("Type")]);
            foreach (string?[] a in attributes.Rows)
            {
                var row = new List<string?> { a[0] ?? "", a[1] ?? "" };
                AddVerboseCells(row, a, 7, showCompression, showStatsTarget, showDescription);
                rows.Add([.. row]);
            }
        }
        else
        {
            columns.AddRange([Text("Column"), Text("Type"), Text("Collation"), Text("Nullable"), Text("Default")]);
            bool foreign = rel.Kind == 'f';
            if (foreign)
            {
                columns.Add(Text("FDW options"));
            }

            foreach (string?[] a in attributes.Rows)
            {
                string defaultText = a[5] switch
                {
                    "a" => "generated always as identity",
                    "d" => "generated by default as identity",
                    _ => a[6] == "s" ? $"generated always as ({a[2]}) stored" : a[2] ?? "",
                };
                var row = new List<string?> { a[0] ?? "", a[1] ?? "", a[4] ?? "", a[3] == "t" ? "not null" : "", defaultText };
                if (foreign)
                {
                    row.Add(a[7] ?? "");
                }

                AddVerboseCells(row, a, foreign ? 8 : 7, showCompression, showStatsTarget, showDescription);
                rows.Add([.. row]);
            }
        }

        if (verbose)
        {
            columns.Add(Text("Storage"));
            if (showCompression)
            {
                columns.Add(Text("Compression"));
            }

            if (showStatsTarget)
            {
                columns.Add(Text("Stats target"));
            }

            if (showDescription)
            {
                columns.Add(Text("Description"));
            }
        }

        // The storage options last, for every kind, as psql.
        if (verbose && rel.Options.Length > 0)
        {
            footers.Add("Options: " + rel.Options);
        }

        DescribeCommands.PrintTable(new ResultSet(columns, rows) { Footers = footers }, Title(rel), host, allowExpanded: false);
        return true;
    }

    private static ResultColumn Text(string name) => new(name, DescribeCommands.TextOid);

    private static void AddVerboseCells(
        List<string?> row, string?[] attribute, int first, bool compression, bool statsTarget, bool description)
    {
        if (attribute.Length <= first)
        {
            return;
        }

        row.Add(attribute[first] switch
        {
            "p" => "plain",
            "m" => "main",
            "x" => "extended",
            "e" => "external",
            _ => "???",
        });
        if (compression)
        {
            row.Add(attribute[first + 1] switch
            {
                "p" => "pglz",
                "l" => "lz4",
                _ => "",
            });
        }

        if (statsTarget)
        {
            row.Add(attribute[first + 2] ?? "");
        }

        if (description)
        {
            row.Add(attribute[first + 3] ?? "");
        }
    }

    private static string Title(RelationInfo rel)
    {
        bool unlogged = rel.Persistence == 'u';
        string kind = rel.Kind switch
        {
            'r' => unlogged ? "Unlogged table" : "Table",
            'v' => "View",
            'm' => unlogged ? "Unlogged materialized view" : "Materialized view",
            'S' => unlogged ? "Unlogged sequence" : "Sequence",
            'i' => unlogged ? "Unlogged index" : "Index",
            'I' => unlogged ? "Unlogged partitioned index" : "Partitioned index",
            't' => "TOAST table",
            'c' => "Composite type",
            'f' => "Foreign table",
            'p' => unlogged ? "Unlogged partitioned table" : "Partitioned table",
            _ => "?" + rel.Kind + "?",
        };
        return $"{kind} \"{rel.Schema}.{rel.Name}\"";
    }

    private static async Task<bool> DescribeSequenceAsync(RelationInfo rel, IMetaCommandHost host, CancellationToken ct)
    {
        string oidLiteral = NamePattern.Literal(rel.Oid);
        ResultSet sequence = null!;
        var footers = new List<string>();
        CatalogStep[] steps =
        [
            CatalogStep.Query(
            "SELECT pg_catalog.format_type(seqtypid, NULL) AS \"Type\", seqstart AS \"Start\", seqmin AS \"Minimum\"," +
            " seqmax AS \"Maximum\", seqincrement AS \"Increment\"," +
            " CASE WHEN seqcycle THEN 'yes' ELSE 'no' END AS \"Cycles?\", seqcache AS \"Cache\"" +
            " FROM pg_catalog.pg_sequence WHERE seqrelid = " + oidLiteral,
            r => sequence = r),
            CatalogStep.Query(
            "SELECT pg_catalog.quote_ident(nspname) || '.' || pg_catalog.quote_ident(relname) || '.' ||" +
            " pg_catalog.quote_ident(attname), d.deptype" +
            " FROM pg_catalog.pg_class c" +
            " JOIN pg_catalog.pg_depend d ON c.oid = d.refobjid" +
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" +
            " JOIN pg_catalog.pg_attribute a ON (a.attrelid = c.oid AND a.attnum = d.refobjsubid)" +
            " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass" +
            " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass" +
            " AND d.objid = " + oidLiteral + " AND d.deptype IN ('a', 'i')",
            owner =>
            {
                if (owner.Rows.Count == 1)
                {
                    footers.Add(owner.Rows[0][1] == "i"
                        ? "Sequence for identity column: " + owner.Rows[0][0]
                        : "Owned by: " + owner.Rows[0][0]);
                }
            }),
        ];
        if (!await CatalogQuery.RunStepsAsync(host, steps, ct).ConfigureAwait(false))
        {
            return false;
        }

        sequence.Footers = footers;
        DescribeCommands.PrintTable(sequence, Title(rel), host);
        return true;
    }

    private static void PlanIndexFooters(RelationInfo rel, bool verbose, List<string> footers, List<CatalogStep> steps, IMetaCommandHost host)
    {
        if (rel.IsPartition)
        {
            PlanPartitionOf(rel, verbose, footers, steps);
        }

        steps.Add(CatalogStep.Query(
            "SELECT i.indisunique, i.indisprimary, i.indisclustered, i.indisvalid," +
            " (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid" +
            " AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferrable)," +
            " (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid" +
            " AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferred)," +
            " i.indisreplident, " +
            (host.Client.Session.ServerVersionNumber >= 150000 ? "i.indnullsnotdistinct" : "false") +
            ", a.amname, c2.relname, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)" +
            " FROM pg_catalog.pg_index i, pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_am a" +
            " WHERE i.indexrelid = c.oid AND c.oid = " + NamePattern.Literal(rel.Oid) +
            " AND c.relam = a.oid AND i.indrelid = c2.oid",
            index => AddIndexFooter(rel, footers, index)));
        if (rel.Kind == 'I')
        {
            // A partitioned index lists its partitions as a partitioned table does.
            PlanInheritance(rel, verbose, footers, steps);
        }

        steps.Add(CatalogStep.Do(() =>
        {
            AddTablespace(rel, footers);
            AddAccessMethod(rel, verbose, footers, host);
        }));
    }

    private static void AddIndexFooter(RelationInfo rel, List<string> footers, ResultSet index)
    {
        if (index.Rows.Count == 1)
        {
            string?[] x = index.Rows[0];
            var text = new StringBuilder();
            if (x[1] == "t")
            {
                text.Append("primary key, ");
            }
            else if (x[0] == "t")
            {
                text.Append("unique");
                if (x[7] == "t")
                {
                    text.Append(" nulls not distinct");
                }

                text.Append(", ");
            }

            text.Append(x[8]).Append(", ");
            text.Append("for table \"").Append(rel.Schema).Append('.').Append(x[9]).Append('"');
            if (!string.IsNullOrEmpty(x[10]))
            {
                text.Append(", predicate (").Append(x[10]).Append(')');
            }

            if (x[2] == "t")
            {
                text.Append(", clustered");
            }

            if (x[3] != "t")
            {
                text.Append(", invalid");
            }

            if (x[4] == "t")
            {
                text.Append(", deferrable");
            }

            if (x[5] == "t")
            {
                text.Append(", initially deferred");
            }

            if (x[6] == "t")
            {
                text.Append(", replica identity");
            }

            footers.Add(text.ToString());
        }
    }

    /// <summary>A partition's parent and bound (and with +, its partition constraint): tables and indexes alike.</summary>
    private static void PlanPartitionOf(RelationInfo rel, bool verbose, List<string> footers, List<CatalogStep> steps) =>
        steps.Add(CatalogStep.Query(
            "SELECT inhparent::pg_catalog.regclass, pg_catalog.pg_get_expr(c.relpartbound, c.oid)," +
            " inhdetachpending, pg_catalog.pg_get_partition_constraintdef(c.oid)" +
            " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = inhrelid" +
            " WHERE c.oid = " + NamePattern.Literal(rel.Oid),
            parent =>
            {
                if (parent.Rows.Count > 0)
                {
                    string?[] p = parent.Rows[0];
                    footers.Add($"Partition of: {p[0]} {p[1]}{(p[2] == "t" ? " DETACH PENDING" : "")}");
                    if (verbose)
                    {
                        footers.Add(string.IsNullOrEmpty(p[3]) ? "No partition constraint" : "Partition constraint: " + p[3]);
                    }
                }
            }));

    /// <summary>psql's line for a relation in a tablespace other than the database's default.</summary>
    private static void AddTablespace(RelationInfo rel, List<string> footers)
    {
        if (rel.ShownTablespace is { } tablespace)
        {
            footers.Add($"Tablespace: \"{tablespace}\"");
        }
    }

    /// <summary>With +, the access method of the kinds psql names it for, unless HIDE_TABLEAM.</summary>
    private static void AddAccessMethod(RelationInfo rel, bool verbose, List<string> footers, IMetaCommandHost host)
    {
        if (verbose && rel.Kind is 'r' or 'm' or 'p' or 't' or 'I' && rel.AccessMethod is { } accessMethod
            && !DescribeCommands.IsSet(host, "HIDE_TABLEAM"))
        {
            footers.Add("Access method: " + accessMethod);
        }
    }

    private static void PlanTableFooters(
        RelationInfo rel, bool verbose, List<string> footers, List<CatalogStep> steps, IMetaCommandHost host)
    {
        string oid = NamePattern.Literal(rel.Oid);
        bool tableLike = rel.Kind is 'r' or 'p' or 'm' or 'f' or 't';
        if (tableLike)
        {
            if (rel.IsPartition)
            {
                PlanPartitionOf(rel, verbose, footers, steps);
            }

            if (rel.Kind == 'p')
            {
                steps.Add(CatalogStep.Query(
                    "SELECT pg_catalog.pg_get_partkeydef(" + oid + "::pg_catalog.oid)",
                    key =>
                    {
                        if (key.Rows.Count > 0 && key.Rows[0][0] is { } keyDefinition)
                        {
                            footers.Add("Partition key: " + keyDefinition);
                        }
                    }));
            }

            if (rel.Kind == 't')
            {
                steps.Add(CatalogStep.Query(
                    "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" +
                    " WHERE reltoastrelid = " + oid,
                    owner =>
                    {
                        if (owner.Rows.Count > 0)
                        {
                            footers.Add($"Owning table: \"{owner.Rows[0][0]}.{owner.Rows[0][1]}\"");
                        }
                    }));
            }

            if (rel.HasIndex)
            {
                steps.Add(CatalogStep.Query(
                    "SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid," +
                    " pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), pg_catalog.pg_get_constraintdef(con.oid, true)," +
                    " contype, condeferrable, condeferred, i.indisreplident," +
                    " (SELECT spcname FROM pg_catalog.pg_tablespace WHERE oid = c2.reltablespace AND c2.reltablespace <> 0)" +
                    " FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i" +
                    " LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid" +
                    " AND contype IN ('p','u','x'))" +
                    " WHERE c.oid = " + oid + " AND c.oid = i.indrelid AND i.indexrelid = c2.oid" +
                    " ORDER BY i.indisprimary DESC, c2.relname",
                    indexes =>
                    {
                        if (indexes.Rows.Count > 0)
                        {
                            footers.Add("Indexes:");
                            footers.AddRange(indexes.Rows.Select(IndexLine));
                        }
                    }));
            }

            if (rel.Checks > 0)
            {
                steps.Add(CatalogStep.Query(
                    "SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true) FROM pg_catalog.pg_constraint r" +
                    " WHERE r.conrelid = " + oid + " AND r.contype = 'c' ORDER BY 1",
                    checks =>
                    {
                        if (checks.Rows.Count > 0)
                        {
                            footers.Add("Check constraints:");
                            footers.AddRange(checks.Rows.Select(c => $"    \"{c[0]}\" {c[1]}"));
                        }
                    }));
            }

            if (rel.HasTriggers || rel.Kind == 'p')
            {
                steps.Add(CatalogStep.Query(
                    "SELECT true, conname, pg_catalog.pg_get_constraintdef(r.oid, true), conrelid::pg_catalog.regclass" +
                    " FROM pg_catalog.pg_constraint r WHERE r.conrelid = " + oid +
                    " AND r.contype = 'f' AND conparentid = 0 ORDER BY conname",
                    foreignKeys =>
                    {
                        if (foreignKeys.Rows.Count > 0)
                        {
                            footers.Add("Foreign-key constraints:");
                            footers.AddRange(foreignKeys.Rows.Select(f => f[0] == "t"
                                ? $"    \"{f[1]}\" {f[2]}"
                                : $"    TABLE \"{f[3]}\" CONSTRAINT \"{f[1]}\" {f[2]}"));
                        }
                    }));
                steps.Add(CatalogStep.Query(
                    "SELECT conname, conrelid::pg_catalog.regclass, pg_catalog.pg_get_constraintdef(oid, true)" +
                    " FROM pg_catalog.pg_constraint c" +
                    " WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors(" + oid + ")" +
                    " UNION ALL VALUES (" + oid + "::pg_catalog.regclass))" +
                    " AND contype = 'f' AND conparentid = 0 ORDER BY conname",
                    referencedBy =>
                    {
                        if (referencedBy.Rows.Count > 0)
                        {
                            footers.Add("Referenced by:");
                            footers.AddRange(referencedBy.Rows.Select(f => $"    TABLE \"{f[1]}\" CONSTRAINT \"{f[0]}\" {f[2]}"));
                        }
                    }));
            }

            PlanPolicies(rel, footers, steps);
            PlanStatistics(rel, footers, steps, host);
            if (rel.HasRules && rel.Kind != 'm')
            {
                PlanRules(rel, view: false, footers, steps);
            }

            if (rel.Kind is 'r' or 'p')
            {
                PlanPublications(rel, footers, steps, host);
            }
        }

        if (verbose && rel.Kind is 'v' or 'm')
        {
            steps.Add(CatalogStep.Query(
                "SELECT pg_catalog.pg_get_viewdef(" + oid + "::pg_catalog.oid, true)",
                definition =>
                {
                    if (definition.Rows.Count == 1 && definition.Rows[0][0] is { } text)
                    {
                        footers.Add("View definition:");
                        footers.Add(text);
                    }
                }));
            if (rel.Kind == 'v' && rel.HasRules)
            {
                PlanRules(rel, view: true, footers, steps);
            }
        }

        if (rel.HasTriggers)
        {
            PlanTriggers(rel, footers, steps);
        }

        if (rel.Kind == 'f')
        {
            PlanForeignServer(rel, footers, steps);
        }

        if (rel.Kind is 'r' or 'p' or 'm' or 'f' or 'c')
        {
            PlanInheritance(rel, verbose, footers, steps);
        }

        // Footers from the relation alone, after those of the queries above.
        steps.Add(CatalogStep.Do(() =>
        {
            if (rel.OfType.Length > 0)
            {
                footers.Add("Typed table of type: " + rel.OfType);
            }

            if (verbose && rel.Kind is 'r' or 'm' && rel.ReplicaIdentity != 'i'
                && (rel.Schema == "pg_catalog" ? rel.ReplicaIdentity != 'n' : rel.ReplicaIdentity != 'd'))
            {
                footers.Add("Replica Identity: " + rel.ReplicaIdentity switch
                {
                    'f' => "FULL",
                    'd' => "DEFAULT",
                    'n' => "NOTHING",
                    _ => "???",
                });
            }

            AddTablespace(rel, footers);
            AddAccessMethod(rel, verbose, footers, host);
        }));
    }

    private static string IndexLine(string?[] x)
    {
        var line = new StringBuilder("    \"").Append(x[0]).Append('"');
        if (x[7] == "x")
        {
            line.Append(' ').Append(x[6]);
        }
        else
        {
            if (x[1] == "t")
            {
                line.Append(" PRIMARY KEY,");
            }
            else if (x[2] == "t")
            {
                line.Append(x[7] == "u" ? " UNIQUE CONSTRAINT," : " UNIQUE,");
            }

            string definition = x[5] ?? "";
            int usingAt = definition.IndexOf(" USING ", StringComparison.Ordinal);
            if (usingAt >= 0)
            {
                definition = definition[(usingAt + 7)..];
            }

            line.Append(' ').Append(definition);
            if (x[8] == "t")
            {
                line.Append(" DEFERRABLE");
            }

            if (x[9] == "t")
            {
                line.Append(" INITIALLY DEFERRED");
            }
        }

        if (x[3] == "t")
        {
            line.Append(" CLUSTER");
        }

        if (x[4] != "t")
        {
            line.Append(" INVALID");
        }

        if (x[10] == "t")
        {
            line.Append(" REPLICA IDENTITY");
        }

        if (x[11] is { } tablespace)
        {
            line.Append(", tablespace \"").Append(tablespace).Append('"');
        }

        return line.ToString();
    }

    private static void PlanPolicies(RelationInfo rel, List<string> footers, List<CatalogStep> steps) =>
        steps.Add(CatalogStep.Query(
            "SELECT pol.polname, pol.polpermissive," +
            " CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname" +
            " from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END," +
            " pg_catalog.pg_get_expr(pol.polqual, pol.polrelid)," +
            " pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid)," +
            " CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'" +
            " WHEN 'd' THEN 'DELETE' END" +
            " FROM pg_catalog.pg_policy pol WHERE pol.polrelid = " + NamePattern.Literal(rel.Oid) + " ORDER BY 1",
            policies => AddPolicies(rel, footers, policies)));

    private static void AddPolicies(RelationInfo rel, List<string> footers, ResultSet policies)
    {
        int count = policies.Rows.Count;
        if (rel.RowSecurity && !rel.ForceRowSecurity && count > 0)
        {
            footers.Add("Policies:");
        }
        else if (rel.RowSecurity && rel.ForceRowSecurity && count > 0)
        {
            footers.Add("Policies (forced row security enabled):");
        }
        else if (rel.RowSecurity && !rel.ForceRowSecurity)
        {
            footers.Add("Policies (row security enabled): (none)");
        }
        else if (rel.RowSecurity && rel.ForceRowSecurity)
        {
            footers.Add("Policies (forced row security enabled): (none)");
        }
        else if (count > 0)
        {
            footers.Add("Policies (row security disabled):");
        }

        foreach (string?[] p in policies.Rows)
        {
            var line = new StringBuilder("    POLICY \"").Append(p[0]).Append('"');
            if (p[1] == "f")
            {
                line.Append(" AS RESTRICTIVE");
            }

            if (p[5] is not null)
            {
                line.Append(" FOR ").Append(p[5]);
            }

            if (p[2] is not null)
            {
                line.Append("\n      TO ").Append(p[2]);
            }

            if (p[3] is not null)
            {
                line.Append("\n      USING (").Append(p[3]).Append(')');
            }

            if (p[4] is not null)
            {
                line.Append("\n      WITH CHECK (").Append(p[4]).Append(')');
            }

            footers.Add(line.ToString());
        }
    }

    /// <summary>The extended statistics objects on the table, as psql 15 lists them ("Statistics objects:").</summary>
    private static void PlanStatistics(RelationInfo rel, List<string> footers, List<CatalogStep> steps, IMetaCommandHost host)
    {
        string oid = NamePattern.Literal(rel.Oid);
        int version = host.Client.Session.ServerVersionNumber;
        if (version < 100000)
        {
            return;
        }

        // Before 14 there were no statistics on expressions: the columns are listed from stxkeys.
        string columns = version >= 140000
            ? "pg_catalog.pg_get_statisticsobjdef_columns(oid)"
            : "(SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ') FROM pg_catalog.unnest(stxkeys) s(attnum)" +
              " JOIN pg_catalog.pg_attribute a ON (stxrelid = a.attrelid AND a.attnum = s.attnum AND NOT attisdropped))";
        steps.Add(CatalogStep.Query(
            "SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname, " +
            columns + ", 'd' = any(stxkind), 'f' = any(stxkind), " + (version >= 120000 ? "'m' = any(stxkind)" : "false") + ", " +
            (version >= 130000 ? "stxstattarget" : "-1") +
            " FROM pg_catalog.pg_statistic_ext WHERE stxrelid = " + oid + " ORDER BY nsp, stxname",
            statistics =>
            {
                if (statistics.Rows.Count == 0)
                {
                    return;
                }

                footers.Add("Statistics objects:");
                foreach (string?[] x in statistics.Rows)
                {
                    var line = new StringBuilder("    \"").Append(x[2]).Append('.').Append(x[3]).Append('"');

                    // From 14 on the kinds are left out when none is given (statistics on one
                    // expression) or all are (what CREATE STATISTICS builds when none is named).
                    string[] kinds = [.. new[] { (x[5], "ndistinct"), (x[6], "dependencies"), (x[7], "mcv") }.Where(k => k.Item1 == "t").Select(k => k.Item2)];
                    if (version < 140000 || kinds.Length is > 0 and < 3)
                    {
                        line.Append(" (").Append(string.Join(", ", kinds)).Append(')');
                    }

                    line.Append(" ON ").Append(x[4]).Append(" FROM ").Append(x[1]);
                    if (x[8] is { } target && target != "-1")
                    {
                        line.Append("; STATISTICS ").Append(target);
                    }

                    footers.Add(line.ToString());
                }
            }));
    }

    /// <summary>A foreign table's server and its options.</summary>
    private static void PlanForeignServer(RelationInfo rel, List<string> footers, List<CatalogStep> steps) =>
        steps.Add(CatalogStep.Query(
            "SELECT s.srvname, pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(option_name) || ' ' ||" +
            " pg_catalog.quote_literal(option_value) FROM pg_catalog.pg_options_to_table(ftoptions)), ', ')" +
            " FROM pg_catalog.pg_foreign_table f, pg_catalog.pg_foreign_server s" +
            " WHERE f.ftrelid = " + NamePattern.Literal(rel.Oid) + " AND s.oid = f.ftserver",
            server =>
            {
                if (server.Rows.Count > 0)
                {
                    footers.Add("Server: " + server.Rows[0][0]);
                    if (server.Rows[0][1] is { Length: > 0 } options)
                    {
                        footers.Add("FDW options: (" + options + ")");
                    }
                }
            }));

    private static void PlanPublications(RelationInfo rel, List<string> footers, List<CatalogStep> steps, IMetaCommandHost host)
    {
        string oid = NamePattern.Literal(rel.Oid);
        string sql = host.Client.Session.ServerVersionNumber >= 150000
            ? "SELECT pubname, NULL, NULL FROM pg_catalog.pg_publication p" +
              " JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid" +
              " JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid" +
              " WHERE pc.oid = " + oid + " AND pg_catalog.pg_relation_is_publishable(" + oid + ")" +
              " UNION SELECT pubname, pg_get_expr(pr.prqual, c.oid)," +
              " (CASE WHEN pr.prattrs IS NOT NULL THEN (SELECT string_agg(attname, ', ')" +
              " FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s," +
              " pg_catalog.pg_attribute WHERE attrelid = pr.prrelid AND attnum = prattrs[s]) ELSE NULL END)" +
              " FROM pg_catalog.pg_publication p JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid" +
              " JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid WHERE pr.prrelid = " + oid +
              " UNION SELECT pubname, NULL, NULL FROM pg_catalog.pg_publication p" +
              " WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable(" + oid + ") ORDER BY 1"
            : "SELECT pubname, NULL, NULL FROM pg_catalog.pg_publication p" +
              " JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid WHERE pr.prrelid = " + oid +
              " UNION ALL SELECT pubname, NULL, NULL FROM pg_catalog.pg_publication p" +
              " WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable(" + oid + ") ORDER BY 1";
        steps.Add(CatalogStep.Query(sql, publications => AddPublications(footers, publications)));
    }

    private static void AddPublications(List<string> footers, ResultSet publications)
    {
        if (publications.Rows.Count > 0)
        {
            footers.Add("Publications:");
            foreach (string?[] p in publications.Rows)
            {
                var line = new StringBuilder("    \"").Append(p[0]).Append('"');
                if (p[2] is not null)
                {
                    line.Append(" (").Append(p[2]).Append(')');
                }

                if (p[1] is not null)
                {
                    line.Append(" WHERE ").Append(p[1]);
                }

                footers.Add(line.ToString());
            }
        }
    }

    /// <summary>
    /// The rules of a table (by how they fire, as psql 15 groups them) or, for a view, those besides its
    /// _RETURN rule: each as pg_get_ruledef prints it after "CREATE RULE ".
    /// </summary>
    private static void PlanRules(RelationInfo rel, bool view, List<string> footers, List<CatalogStep> steps) =>
        steps.Add(CatalogStep.Query(
            "SELECT r.rulename, trim(trailing ';' from pg_catalog.pg_get_ruledef(r.oid, true))" + (view ? "" : ", ev_enabled") +
            " FROM pg_catalog.pg_rewrite r WHERE r.ev_class = " + NamePattern.Literal(rel.Oid) +
            (view ? " AND r.rulename != '_RETURN'" : "") + " ORDER BY 1",
            rules => AddRules(view, footers, rules)));

    private static void AddRules(bool view, List<string> footers, ResultSet rules)
    {
        static string Definition(string?[] rule) => rule[1] is { Length: > 12 } text ? text[12..] : rule[1] ?? "";

        if (view)
        {
            if (rules.Rows.Count > 0)
            {
                footers.Add("Rules:");
                footers.AddRange(rules.Rows.Select(r => " " + Definition(r)));
            }

            return;
        }

        string[] headings = ["Rules:", "Disabled rules:", "Rules firing always:", "Rules firing on replica only:"];
        string[] states = ["O", "D", "A", "R"];
        for (int category = 0; category < headings.Length; category++)
        {
            var listed = rules.Rows.Where(r => r[2] == states[category]).ToList();
            if (listed.Count > 0)
            {
                footers.Add(headings[category]);
                footers.AddRange(listed.Select(r => "    " + Definition(r)));
            }
        }
    }

    private static void PlanTriggers(RelationInfo rel, List<string> footers, List<CatalogStep> steps)
    {
        string oid = NamePattern.Literal(rel.Oid);
        steps.Add(CatalogStep.Query(
            "SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, t.tgisinternal," +
            " CASE WHEN t.tgparentid != 0 THEN (SELECT u.tgrelid::pg_catalog.regclass" +
            " FROM pg_catalog.pg_trigger AS u," +
            " pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)" +
            " WHERE u.tgname = t.tgname AND u.tgrelid = a.relid AND u.tgparentid = 0" +
            " ORDER BY a.depth LIMIT 1) END" +
            " FROM pg_catalog.pg_trigger t WHERE t.tgrelid = " + oid +
            " AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D')) ORDER BY 1",
            triggers => AddTriggers(footers, triggers)));
    }

    private static void AddTriggers(List<string> footers, ResultSet triggers)
    {
        string[] headings =
        [
            "Triggers:",
            "Disabled user triggers:",
            "Disabled internal triggers:",
            "Triggers firing always:",
            "Triggers firing on replica only:",
        ];
        for (int category = 0; category < headings.Length; category++)
        {
            bool headed = false;
            foreach (string?[] t in triggers.Rows)
            {
                string enabled = t[2] ?? "";
                bool internalTrigger = t[3] == "t";
                bool listed = category switch
                {
                    0 => enabled is "O" or "t",
                    1 => enabled is "D" or "f" && !internalTrigger,
                    2 => enabled is "D" or "f" && internalTrigger,
                    3 => enabled == "A",
                    _ => enabled == "R",
                };
                if (!listed)
                {
                    continue;
                }

                if (!headed)
                {
                    footers.Add(headings[category]);
                    headed = true;
                }

                string definition = t[1] ?? "";
                int at = definition.IndexOf(" TRIGGER ", StringComparison.Ordinal);
                if (at >= 0)
                {
                    definition = definition[(at + 9)..];
                }

                footers.Add(t[4] is null ? "    " + definition : $"    {definition}, ON TABLE {t[4]}");
            }
        }
    }

    private static void PlanInheritance(RelationInfo rel, bool verbose, List<string> footers, List<CatalogStep> steps)
    {
        string oid = NamePattern.Literal(rel.Oid);
        steps.Add(CatalogStep.Query(
            "SELECT c.oid::pg_catalog.regclass FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i" +
            " WHERE c.oid = i.inhparent AND i.inhrelid = " + oid +
            " AND c.relkind != 'p' AND c.relkind != 'I' ORDER BY inhseqno",
            parents =>
            {
                for (int i = 0; i < parents.Rows.Count; i++)
                {
                    footers.Add((i == 0 ? "Inherits: " : "          ") + parents.Rows[i][0] + (i < parents.Rows.Count - 1 ? "," : ""));
                }
            }));
        steps.Add(CatalogStep.Query(
            "SELECT c.oid::pg_catalog.regclass, c.relkind, i.inhdetachpending," +
            " pg_catalog.pg_get_expr(c.relpartbound, c.oid)" +
            " FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i" +
            " WHERE c.oid = i.inhrelid AND i.inhparent = " + oid +
            " ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'," +
            " c.oid::pg_catalog.regclass::pg_catalog.text",
            children => AddChildren(rel, verbose, footers, children)));
    }

    private static void AddChildren(RelationInfo rel, bool verbose, List<string> footers, ResultSet children)
    {
        int count = children.Rows.Count;
        bool partitioned = rel.Kind is 'p' or 'I';
        if (partitioned && count == 0)
        {
            footers.Add("Number of partitions: 0");
        }
        else if (!verbose)
        {
            if (count > 0)
            {
                footers.Add(partitioned
                    ? $"Number of partitions: {count} (Use \\d+ to list them.)"
                    : $"Number of child tables: {count} (Use \\d+ to list them.)");
            }
        }
        else
        {
            string label = partitioned ? "Partitions" : "Child tables";
            for (int i = 0; i < count; i++)
            {
                string?[] child = children.Rows[i];
                var line = new StringBuilder(i == 0 ? label + ": " : new string(' ', label.Length + 2));
                line.Append(child[0]);
                if (child[3] is { } bound)
                {
                    line.Append(' ').Append(bound);
                }

                if (child[1] is "p" or "I")
                {
                    line.Append(", PARTITIONED");
                }
                else if (child[1] == "f")
                {
                    line.Append(", FOREIGN");
                }

                if (child[2] == "t")
                {
                    line.Append(" (DETACH PENDING)");
                }

                if (i < count - 1)
                {
                    line.Append(',');
                }

                footers.Add(line.ToString());
            }
        }
    }
}
