using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// The + forms of \des, \dew, \dF, \dFp, \dP, \dRp, \dRs, \dx and \dX (and \dp+, which psql takes as
/// \dp, which leaves out pg_ schemas unless the pattern names one), compared with psql 15: read from a script file, so that the "file:line:" prefix of each
/// "Did not find ..." and pattern error is compared too; expanded display, \pset null and QUIET.
/// Objects are this test's own (vl*): other tests change the same database meanwhile.
/// </summary>
public sealed class VerboseListingTests
{
    private const string Script = """
        drop schema if exists vl cascade;
        drop publication if exists vl_pub1, vl_pub2, vl_pub3;
        drop server if exists vl_srv;
        drop foreign data wrapper if exists vl_fdw;
        create schema vl;
        create table vl.t1 (a int primary key, b text, c int);
        create table vl.t2 (x int primary key);
        create publication vl_pub1 for table vl.t1 (a, b) where (a > 1), vl.t2;
        create publication vl_pub2 for tables in schema vl with (publish = 'insert');
        create publication vl_pub3;
        create subscription vl_sub connection 'host=nowhere.invalid dbname=x' publication vl_pub1 with (connect = false, binary = true);
        create foreign data wrapper vl_fdw options (debug 'true', "odd name" 'it''s');
        create server vl_srv type 'pg' version '15' foreign data wrapper vl_fdw options (host 'h');
        comment on server vl_srv is 'a server';
        grant usage on foreign server vl_srv to public;
        create text search configuration vl.cfg (copy = pg_catalog.simple);
        alter text search configuration vl.cfg alter mapping for word with simple, english_stem;
        create table vl.p (id int, v text) partition by range (id);
        create table vl.p1 partition of vl.p for values from (0) to (10) partition by range (id);
        create table vl.p11 partition of vl.p1 for values from (0) to (5);
        insert into vl.p values (1, 'x');
        create index p_idx on vl.p (id);
        comment on table vl.p is 'parted';
        create statistics vl.st on id, v from vl.p11;
        \des+ vl*
        \dew+ vl*
        \dF+ vl.*
        \dF+ nope
        \dFp+ pg_catalog.default
        \dFp+ nope
        \dP+ vl.*
        \dPt+ vl.*
        \dPi+ vl.*
        \dPn+ vl.*
        \dPtn+ vl.*
        \dPin+ vl.*
        \dRp+ vl*
        \dRp+ nope
        \dRs+ vl*
        \dx+ plpgsql
        \dx+ nope
        \dx+ plpgsql extra
        \dX+ vl.*
        \dp+ vl.t1
        \dp pg_class
        \dp pg_catalog.pg_class
        \dRp+ a.b
        \dx+ a.b
        \dF+ a.b.c.d
        \x
        \dRp+ vl_pub1
        \dx+ plpgsql
        \dF+ vl.cfg
        \x
        \pset null NULL
        \dRp+ vl_pub3
        \dRs+ vl*
        \set QUIET on
        \dRp+ nope
        \dF+ nope
        \set QUIET off
        alter subscription vl_sub set (slot_name = none);
        drop subscription vl_sub;
        drop schema vl cascade;
        drop publication vl_pub1, vl_pub2, vl_pub3;
        drop server vl_srv;
        drop foreign data wrapper vl_fdw;

        """;

    [PsqlFact]
    public void Verbose_listings_match_psql()
    {
        var path = Path.Combine(Path.GetTempPath(), "vl-" + Guid.NewGuid().ToString("N") + ".sql");
        File.WriteAllText(path, Script);
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PsqlFact]
    public void Every_text_search_configuration_and_parser_matches_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], "\\dF+\n\\dFp+\n\\dFp+ *\n");

    [PsqlFact]
    public void Large_object_listings_match_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], """
            select lo_unlink(oid) from pg_largeobject_metadata where oid in (7700001, 7700002);
            select lo_from_bytea(7700001, 'hello') is not null;
            select lo_from_bytea(7700002, 'x') is not null;
            comment on large object 7700001 is 'a greeting';
            grant select on large object 7700001 to public;
            \dl
            \dl+
            \lo_list
            \lo_list+
            \dl ignored
            select lo_unlink(7700001) + lo_unlink(7700002);

            """);

    [PsqlFact]
    public void Large_object_import_export_and_unlink_match_psql()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "in.bin");
            File.WriteAllBytes(input, [.. "hello"u8, 0, 255, .. "world\n"u8]);

            // The OIDs the server gives differ between the two runs: what prints them runs quietly.
            var script = $"""
                \set QUIET on
                \lo_import {input} 'it''s a file'
                \set QUIET off
                select length(pg_catalog.lo_get(:LASTOID)), pg_catalog.obj_description(:LASTOID, 'pg_largeobject');
                \lo_export :LASTOID {dir}/out-:LASTOID.bin
                \lo_import {dir}/nope.bin
                \lo_export
                \lo_export 1
                \lo_unlink 999999
                \lo_export 999999 {dir}/never.bin
                begin;
                \set QUIET on
                \lo_import {input}
                \set QUIET off
                rollback;
                select count(*) from pg_catalog.pg_largeobject_metadata where oid = :LASTOID;
                select 1/0;
                \set QUIET on
                \lo_unlink :LASTOID
                \set QUIET off
                \lo_foo

                """;
            var path = Path.Combine(dir, "lo.sql");
            File.WriteAllText(path, script);
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path]);
            foreach (var exported in Directory.GetFiles(dir, "out-*.bin"))
            {
                Assert.Equal(File.ReadAllBytes(input), File.ReadAllBytes(exported));
            }

            Assert.Equal(2, Directory.GetFiles(dir, "out-*.bin").Length);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
