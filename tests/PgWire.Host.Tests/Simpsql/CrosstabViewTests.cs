using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>\crosstabview compared with psql 15: pivots, orderings, null display, column lookup and every error.</summary>
public sealed class CrosstabViewTests
{
    private const string Script = """"
        CREATE TEMP TABLE ctv (v, h, c, i, d) AS
        VALUES
           ('v1','h2','foo', 3, '2015-04-01'::date),
           ('v2','h1','bar', 3, '2015-01-02'),
           ('v1','h0','baz', NULL, '2015-07-12'),
           ('v0','h4','qux', 4, '2015-07-15'),
           ('v0','h4','dbl', -3, '2014-12-15'),
           ('v0',NULL,'qux', 5, '2014-07-15'),
           ('v1','h2','quux',7, '2015-04-04');
        SELECT v, EXTRACT(year FROM d), count(*) FROM ctv GROUP BY 1, 2 ORDER BY 1, 2;
         \crosstabview
        SELECT v, to_char(d, 'Mon') AS "month name", EXTRACT(month FROM d) AS num,
         count(*) FROM ctv  GROUP BY 1,2,3 ORDER BY 1
         \crosstabview v "month name" 4 num
        SELECT EXTRACT(year FROM d) AS year, to_char(d,'Mon') AS """month"" name",
          EXTRACT(month FROM d) AS month, format('sum=%s avg=%s', sum(i), avg(i)::numeric(2,1))
          FROM ctv GROUP BY EXTRACT(year FROM d), to_char(d,'Mon'), EXTRACT(month FROM d) ORDER BY month
        \crosstabview """month"" name" year format year
        SELECT v, h, string_agg(c, E'\n') FROM ctv GROUP BY v, h ORDER BY 1,2,3
         \crosstabview 1 2 3
        SELECT v, h, string_agg(c, E'\n') AS c, row_number() OVER(ORDER BY h DESC) AS r
        FROM ctv GROUP BY v, h ORDER BY 1,3,2
         \crosstabview v h c r
        SELECT null,null \crosstabview
        SELECT null,null,null \crosstabview
        \pset null '#null#'
        SELECT v,h, string_agg(i::text, E'\n') AS i FROM ctv GROUP BY v, h ORDER BY h,v
         \crosstabview v h i
        \pset null ''
        \pset border 2
        \pset linestyle unicode
        SELECT v,h, string_agg(i::text, E'\n') AS i, string_agg(c, E'\n') AS c
        FROM ctv GROUP BY v, h ORDER BY h,v
         \crosstabview 1 "h" 4
        \x
        SELECT 1 as "22", 2 as b, 3 as "Foo"
         \crosstabview "22" B "Foo"
        \x
        SELECT v,h,c,i FROM ctv
         \crosstabview v h j
        SELECT 1 as "22", 2 as b, 3 as "Foo"
         \crosstabview 1 2 Foo
        SELECT 1 as "22", 2 as b, 3 as "Foo"
         \crosstabview 1 "B" "Foo"
        SELECT v,h,i,c FROM ctv
         \crosstabview 2 1 5
        SELECT v,h,i,c FROM ctv
         \crosstabview 2 h 4
        SELECT v,h,i,c FROM ctv
         \crosstabview 2 1
        SELECT a,a,1 FROM generate_series(1,3000) AS a
         \crosstabview
        SELECT 1 \crosstabview
        SELECT 1, x, '*' || x FROM generate_series(1,10) x UNION ALL SELECT 1, 10, '*' \crosstabview
        select nosuch \crosstabview

        """";

    [PsqlFact]
    public void Crosstabview_matches_psql() => SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], Script);
}
