export default function Home() {
  return (
    <main style={{ fontFamily: 'system-ui', padding: 24 }}>
      <h1>SPGD Studio</h1>
      <p>
        The restoration engine is available from the <code>spgd</code> command line. The node-graph
        editor is under construction.
      </p>
    </main>
  );
}
