// Portal entry: mounts the app. Everything talks to the gateway that served this page (same origin).
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
