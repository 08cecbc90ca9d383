using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// Catalog listings (\dA and its variants, \dP, \dconfig, \do, \df with argument types and the other
/// single-query listings), dotted-name checks, results of "\;" groups, TOAST tables and a few \pset
/// checks, compared with psql 15. Listings are limited to this test's own schema (or to built-in objects):
/// other tests change the same database meanwhile.
/// </summary>
public sealed class CatalogListingTests
{
    private const string Listings = """
        drop schema if exists cl cascade;
        create schema cl;
        create table cl.parent (id int, v text) partition by range (id);
        create table cl.child partition of cl.parent for values from (0) to (10) partition by range (id);
        create index parent_idx on cl.parent (id);
        create domain cl.posint as int not null default 1 check (value > 0);
        comment on domain cl.posint is 'positive';
        create type cl.pair as (a int, b text);
        create statistics cl.st on id, v from cl.child;
        create table cl.t (a int, b text);
        alter table cl.t add constraint t_a_check check (a > 0);
        comment on constraint t_a_check on cl.t is 'checked';
        create collation cl.coll (locale = 'C');
        create conversion cl.conv for 'LATIN1' to 'UTF8' from iso8859_1_to_utf8;
        grant select on cl.t to public;
        \dA
        \dA h*
        \dA+ b*
        \dA foo bar
        \dAc brin pg*.oid*
        \dAc+ hash int4
        \dAf spgist
        \dAf btree int4
        \dAo+ btree float_ops
        \dAo * pg_catalog.jsonb_path_ops
        \dAp+ btree float_ops
        \dAp * pg_catalog.uuid_ops
        \da cl.*
        \da count
        \db pg_default
        \dc cl.*
        \dc+ cl.*
        \dC bigint
        \dC "no such"
        \dd cl.*
        \dD cl.*
        \ddp cl
        \des cl*
        \dew cl*
        \dF english
        \dFd english*
        \dFp
        \dFt simple
        \dL
        \dLS plpgsql
        \dO cl.*
        \dp cl.*
        \z cl.t
        \z cl.t extra
        \dP cl.*
        \dPt cl.*
        \dPi cl.*
        \dPn cl.*
        \dPtn cl.*
        \drds cl*
        \dRp cl*
        \dRs cl*
        \dT cl.*
        \dT int
        \dT float8[]
        create type cl.mood as enum ('sad', 'ok', 'happy');
        \dT+ cl.*
        \dTS+ float8[]
        \dx plpgsql
        \dX cl.*
        \dy cl*
        \dconfig work_mem
        \dconfig+ work*
        \do - pg_catalog.int4
        \do && anyarray *
        \do cl.*
        \do+ ||/
        \do ?-|
        \do *|*
        \do+ ~~*
        \dA+ heap
        \dAf+ btree int4
        \dcS+ ascii_to_mic
        \dOS+ "C"
        \dp pg_catalog.pg_class
        \df *sqrt num*
        \df int*pl int4
        \df int*pl * pg_catalog.int8
        \df acl* aclitem[]
        \df has_database_privilege oid text -
        \dfa bit* small*
        \dfn bit_and
        \dfw row_num*
        \dft cl.*
        \db+ no_such_tablespace
        \dD+ cl.*
        \dC+ bigint
        \dL+
        \dLS+ sql
        \dy+ cl*
        \dFd+ english*
        \dFt+
        drop schema cl cascade;

        """;

    [PsqlFact]
    public void Listings_match_psql() => SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], Listings);

    [PsqlTheory]
    [InlineData("dA", "regression.heap")]
    [InlineData("dt", "host.db.pg_catalog.pg_class")]
    [InlineData("dt", "nonesuch.pg_catalog.pg_class")]
    [InlineData("dt", "pgwire_test.pg_catalog.pg_class")]
    [InlineData("dt", "PGWIRE_TEST.pg_catalog.pg_class")]
    [InlineData("dt", "\"PGWIRE_TEST\".pg_catalog.pg_class")]
    [InlineData("dn", "nonesuch.public")]
    [InlineData("dn", "pgwire_test.public")]
    [InlineData("dn", "a.b.c")]
    [InlineData("dg", "a.pg_database_owner")]
    [InlineData("dL", "nonesuch.plpgsql")]
    [InlineData("dx", "a.plpgsql")]
    [InlineData("do", "nonesuch.public.!=-")]
    [InlineData("dT", "\"no.such.schema\".\"no.such.type\"")]
    [InlineData("dRp", "public.mypub")]
    [InlineData("drds", "a.b")]
    [InlineData("dAc", "\"a\".\"b\"")]
    [InlineData("dA", "\"no.such.access.method\"")]
    public void Dotted_names_are_checked_as_psql_checks_them(string command, string pattern) =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q", "-d", "pgwire_test"], $"\\{command} {pattern}\n");

    private const string Groups = """
        create function pg_temp.warn(msg text) returns boolean language plpgsql as $$
        begin raise notice 'warn %', msg; return true; end $$;
        select 1 as one \; select pg_temp.warn('1.5') \; select 2 as two;
        select 3 as three \; select pg_temp.warn('3.5') \; select 4 as four \gset
        \echo :three :four
        \set SHOW_ALL_RESULTS off
        select 1 as one \; select pg_temp.warn('1.5') \; select 2 as two;
        \set SHOW_ALL_RESULTS on
        select 1 as one \; select 1/0 \; select 2 as two;
        \pset format unaligned
        select 1 as one \; select pg_temp.warn('u') \; select 2 as two;

        """;

    [PsqlFact]
    public void Results_of_a_group_follow_the_notices_of_the_next_statement() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], Groups);

    private const string Details = """
        \d pg_toast.pg_toast_2619
        \d+ pg_toast.pg_toast_2619
        drop schema if exists hide cascade;
        create schema hide;
        create table hide.t (a text);
        \d+ hide.t
        \set HIDE_TABLEAM on
        \set HIDE_TOAST_COMPRESSION on
        \d+ hide.t
        \dt+ hide.t
        drop schema hide cascade;
        \pset csv_fieldsep '\0'
        \pset csv_fieldsep '\n'
        \pset csv_fieldsep '"'
        \pset csv_fieldsep ',,'
        \pset csv_fieldsep '\x3b'
        \pset csv_fieldsep
        \echo '\101\x42\t|'

        """;

    [PsqlFact]
    public void Toast_tables_hidden_columns_and_quoted_escapes_match_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], Details);
}
